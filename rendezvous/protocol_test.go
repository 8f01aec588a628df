package rendezvous

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func FuzzDecodeMessage(f *testing.F) {
	for _, m := range []message{
		{Type: typeWelcome, Version: 1, ICEServers: []ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}}, MaxMessageSize: 65536},
		{Type: typeAllocate},
		{Type: typeClaim, Slot: "42"},
		{Type: typeJoin, Slot: "7"},
		{Type: typeAllocated, Slot: "1"},
		{Type: typePaired, Slot: "1"},
		{Type: typeRelay, Body: []byte{0, 1, 2, 0xff}},
		{Type: typePeerLeft},
		{Type: typeError, Code: codeSlotTaken, Message: "code already in use"},
	} {
		f.Add(encodeMessage(m))
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `{"type":""}`, `{"type":"teleport"}`, `{"type":"join"}`,
		`{"type":"join","slot":"99999999999"}`, `{"type":"join","slot":1}`, `{"type":"relay","body":"!"}`,
		`{"type":"welcome","version":-1}`, `{"type":"error"}`, `{"type":"allocate"} trailing`,
		`{"type":"claim","slot":"１"}`, "{\"type\":\"relay\",\"body\":\"\xff\"}", `{"TYPE":"allocate"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeMessage(data)
		if err != nil {
			if _, ok := err.(*protoError); !ok {
				t.Fatalf("error %T is not a *protoError", err)
			}
			if err.(*protoError).code == "" || err.Error() == "" {
				t.Fatalf("error without code or text: %#v", err)
			}
			return
		}
		// What decodes re-encodes to the same message.
		again, err := decodeMessage(encodeMessage(m))
		if err != nil {
			t.Fatalf("re-encoded %+v does not decode: %v", m, err)
		}
		if len(m.Body) == 0 {
			m.Body = nil // omitempty drops an empty body
		}
		if len(m.ICEServers) == 0 {
			m.ICEServers = nil
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip changed %+v into %+v", m, again)
		}
		if (m.Type == typeClaim || m.Type == typeJoin) && !validWireSlot(m.Slot) {
			t.Fatalf("accepted slot %q", m.Slot)
		}
	})
}

func TestDecodeMessageBoundsSlot(t *testing.T) {
	if _, err := decodeMessage([]byte(`{"type":"join","slot":"1234567890"}`)); err != nil {
		t.Errorf("10 digits: %v", err)
	}
	if _, err := decodeMessage([]byte(`{"type":"join","slot":"12345678901"}`)); err == nil {
		t.Error("11 digits accepted")
	}
}

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

func TestParseWSPath(t *testing.T) {
	for p, want := range map[string]int{"/v1/ws": 1, "/v0/ws": 0, "/v12/ws": 12} {
		if got, ok := parseWSPath(p); !ok || got != want {
			t.Errorf("parseWSPath(%q) = %d, %v", p, got, ok)
		}
	}
	for _, p := range []string{"/v/ws", "/v01/ws", "/v1/ws/", "/v-1/ws", "/vx/ws", "/v1234567/ws", "/v1"} {
		if _, ok := parseWSPath(p); ok {
			t.Errorf("parseWSPath(%q) accepted", p)
		}
	}
}

func TestPerMinute(t *testing.T) {
	p := newPerMinute(2)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !p.allow("a", t0) || !p.allow("a", t0.Add(time.Second)) {
		t.Fatal("first two refused")
	}
	if p.allow("a", t0.Add(2*time.Second)) {
		t.Fatal("third in a minute allowed")
	}
	if !p.allow("b", t0.Add(2*time.Second)) {
		t.Fatal("another address refused")
	}
	if !p.allow("a", t0.Add(time.Minute)) {
		t.Fatal("refused after the minute")
	}
	p.allow("c", t0.Add(3*time.Minute)) // drops the old windows
	if p.size() != 1 {
		t.Fatalf("%d windows kept, want 1", p.size())
	}
}

func TestServerErrorIsPrintable(t *testing.T) {
	e := newServerError("limit_x", "bad \x1b[31mred\x1b[0m\nnews")
	if bytes.ContainsAny([]byte(e.Error()), "\x1b\n") {
		t.Fatalf("control characters kept: %q", e.Error())
	}
	if e.Code != "limit_x" {
		t.Fatal(e.Code)
	}
}
