package rendezvousclient

import "testing"

func TestEndpointURL(t *testing.T) {
	for in, want := range map[string]string{
		"ws://h:7339":                  "ws://h:7339/v1/ws",
		"ws://h:7339/":                 "ws://h:7339/v1/ws",
		"http://h:7339":                "ws://h:7339/v1/ws",
		"https://example.com":          "wss://example.com/v1/ws",
		"wss://example.com/ferry/":     "wss://example.com/ferry/v1/ws",
		"https://example.com/ferry":    "wss://example.com/ferry/v1/ws",
		"ws://h/v1/ws":                 "ws://h/v1/ws",
		"ws://h/v3/ws":                 "ws://h/v1/ws",
		"ws://h/prefix/v1/ws/":         "ws://h/prefix/v1/ws",
		"h:7339":                       "ws://h:7339/v1/ws",
		" 127.0.0.1:7339 ":             "ws://127.0.0.1:7339/v1/ws",
		"ws://[::1]:7339":              "ws://[::1]:7339/v1/ws",
		"HTTPS://example.com#fragment": "wss://example.com/v1/ws",
	} {
		got, err := endpointURL(in, 1)
		if err != nil || got != want {
			t.Errorf("endpointURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
