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

func TestPageURL(t *testing.T) {
	for in, want := range map[string]string{
		"ws://127.0.0.1:7339":              "http://127.0.0.1:7339/#7-apple-river",
		"wss://ferry.example.org":          "https://ferry.example.org/#7-apple-river",
		"https://ferry.example.org/ferry/": "https://ferry.example.org/ferry/#7-apple-river",
		"http://[::1]:80/ferry/v1/ws":      "http://[::1]:80/ferry/#7-apple-river",
		"192.168.1.5:7339":                 "http://192.168.1.5:7339/#7-apple-river",
		"ftp://ferry.example.org":          "",
		"":                                 "",
	} {
		if got := PageURL(in, "7-apple-river"); got != want {
			t.Errorf("PageURL(%q) = %q, want %q", in, got, want)
		}
	}
}
