package rendezvousserver

import "testing"

// One IPv6 /64 is one TURN user (as it is one address for every other
// limit); IPv4 addresses are users of their own.
func TestTURNUserIDPerAddressKey(t *testing.T) {
	const secret = "s3cret"
	id := func(ip string) string { return turnUserID(secret, ip) }
	if a, b := id("2001:db8:1:2::1"), id("2001:db8:1:2:ffff:ffff:ffff:9"); a != b {
		t.Errorf("two addresses of one /64: user ids %q and %q, want one", a, b)
	}
	if a, b := id("2001:db8:1:2::1"), id("2001:db8:1:3::1"); a == b {
		t.Errorf("two /64s: one user id %q, want two", a)
	}
	if a, b := id("192.0.2.1"), id("192.0.2.2"); a == b {
		t.Errorf("two IPv4 addresses: one user id %q, want two", a)
	}
	if a, b := id("192.0.2.1"), id("::ffff:192.0.2.1"); a != b {
		t.Errorf("an IPv4 address and its IPv4-mapped form: user ids %q and %q, want one", a, b)
	}
}
