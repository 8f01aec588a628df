package rendezvous

import (
	"bytes"
	"reflect"
	"testing"
)

func FuzzDecodeMessage(f *testing.F) {
	for _, m := range []Message{
		{Type: TypeWelcome, Version: 1, ICEServers: []ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}}, MaxMessageSize: 65536},
		{Type: TypeAllocate},
		{Type: TypeClaim, Slot: "42"},
		{Type: TypeJoin, Slot: "7"},
		{Type: TypeAllocated, Slot: "1"},
		{Type: TypePaired, Slot: "1"},
		{Type: TypeRelay, Body: []byte{0, 1, 2, 0xff}},
		{Type: TypePeerLeft},
		{Type: TypeError, Code: CodeSlotTaken, Message: "code already in use"},
	} {
		f.Add(EncodeMessage(m))
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
		m, err := DecodeMessage(data)
		if err != nil {
			if _, ok := err.(*ProtocolError); !ok {
				t.Fatalf("error %T is not a *ProtocolError", err)
			}
			if err.(*ProtocolError).Code == "" || err.Error() == "" {
				t.Fatalf("error without code or text: %#v", err)
			}
			return
		}
		// What decodes re-encodes to the same message.
		again, err := DecodeMessage(EncodeMessage(m))
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
		if (m.Type == TypeClaim || m.Type == TypeJoin) && !ValidSlot(m.Slot) {
			t.Fatalf("accepted slot %q", m.Slot)
		}
	})
}

func TestDecodeMessageBoundsSlot(t *testing.T) {
	if _, err := DecodeMessage([]byte(`{"type":"join","slot":"1234567890"}`)); err != nil {
		t.Errorf("10 digits: %v", err)
	}
	if _, err := DecodeMessage([]byte(`{"type":"join","slot":"12345678901"}`)); err == nil {
		t.Error("11 digits accepted")
	}
}

func TestParseWSPath(t *testing.T) {
	for p, want := range map[string]int{"/v1/ws": 1, "/v0/ws": 0, "/v12/ws": 12} {
		if got, ok := ParseWSPath(p); !ok || got != want {
			t.Errorf("ParseWSPath(%q) = %d, %v", p, got, ok)
		}
	}
	for _, p := range []string{"/v/ws", "/v01/ws", "/v1/ws/", "/v-1/ws", "/vx/ws", "/v1234567/ws", "/v1"} {
		if _, ok := ParseWSPath(p); ok {
			t.Errorf("ParseWSPath(%q) accepted", p)
		}
	}
}

func TestServerErrorIsPrintable(t *testing.T) {
	e := NewServerError("limit_x", "bad \x1b[31mred\x1b[0m\nnews")
	if bytes.ContainsAny([]byte(e.Error()), "\x1b\n") {
		t.Fatalf("control characters kept: %q", e.Error())
	}
	if e.Code != "limit_x" {
		t.Fatal(e.Code)
	}
}
