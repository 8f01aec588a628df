package rendezvousserver

import (
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
)

// slot is a sender waiting for a receiver, or the pair once one joined.
// Its fields are guarded by Server.mu.
type slot struct {
	name     string
	sender   *serverConn
	receiver *serverConn // nil while waiting
	messages int         // relay messages so far, both directions
	bytes    int         // bytes of their bodies, both directions
	timer    *time.Timer // slot lifetime while waiting, handshake timeout once paired

	fromSender, fromReceiver int       // relay messages each side sent
	joined                   time.Time // when the receiver spent a unit of --failed-joins-per-ip
	succeeded                bool      // the sender relayed successMessages: the PAKE succeeded
}

// successMessages is the relay message of the sender that shows the server,
// which cannot read the sealed session, that a pairing succeeded.
//
// The session (package rendezvous, Secure) opens with three flights, each one message from
// each side: hello, share, confirm. The sender checks the receiver's key
// confirmation before anything else, and sends nothing more when it does
// not match (a wrong code, a guess, garbage, or a receiver that left). Once
// it matches, the sender, the WebRTC offerer, sends its first sealed message
// at once (peer/parallel.go agree: the number of connections; or
// peer/connect.go: the offer). So a sender's 4th relay message means that
// the receiver knew the words. A receiver cannot fake it: it comes from the
// sender, whose side of the PAKE the receiver cannot complete without the
// password. (With --verify the sender sends it once its user confirmed.)
const successMessages = 4

// other returns the side of the pair that is not c (nil while waiting).
func (sl *slot) other(c *serverConn) *serverConn {
	if c == sl.sender {
		return sl.receiver
	}
	return sl.sender
}

// openSlot gives c, a sender, the named slot or (name "") the shortest free one.
func (s *Server) openSlot(c *serverConn, name string) *rendezvous.ProtocolError {
	s.mu.Lock()
	if err := s.admit(c, s.slotRate, rendezvous.CodeLimitSlotsPerIP); err != nil {
		s.mu.Unlock()
		return err
	}
	if len(s.slots) >= s.cfg.MaxSlots {
		s.mu.Unlock()
		return s.hitLimit(rendezvous.CodeLimitSlots)
	}
	if s.lim.waiting[c.key] >= s.cfg.WaitingPerIP {
		s.mu.Unlock()
		return s.hitLimit(rendezvous.CodeLimitWaitingPerIP)
	}
	claimed := name != ""
	if !claimed {
		name = s.freeSlot(len(s.slots))
	} else if s.slots[name] != nil {
		s.mu.Unlock()
		return &rendezvous.ProtocolError{Code: rendezvous.CodeSlotTaken, Message: "code already in use: pick another code or let ferry choose one"}
	}
	sl := &slot{name: name, sender: c}
	s.slots[name] = sl
	s.lim.waiting.inc(c.key)
	s.metrics.SlotWaiting()
	c.role, c.slot = roleSender, sl
	c.idle.Stop()
	sl.timer = time.AfterFunc(s.cfg.SlotLifetime, func() { s.expireSlot(sl, rendezvous.CodeLimitSlotLifetime) })
	c.writeMu.Lock()
	s.mu.Unlock()

	s.logger.Info("slot allocated", "slot", name, "claimed", claimed, "conn", c.id, "ip", c.ip)
	_ = c.write(rendezvous.Message{Type: rendezvous.TypeAllocated, Slot: name})
	c.writeMu.Unlock()
	return nil
}

// admit checks that c may open or join a slot: it has no code yet, the
// server is not shutting down, and its address is within rate (whose limit
// is named limit). The caller holds s.mu.
func (s *Server) admit(c *serverConn, rate *perMinute, limit string) *rendezvous.ProtocolError {
	switch {
	case c.role != roleNone:
		return &rendezvous.ProtocolError{Code: rendezvous.CodeUnexpected, Message: "this connection already has a code: open a new connection for another"}
	case s.closed:
		return errShuttingDown
	case !rate.allow(c.key, time.Now()):
		return s.hitLimit(limit)
	}
	return nil
}

// freeSlot draws a free slot (slotnums.go) when used slots are in use.
// The caller holds s.mu.
func (s *Server) freeSlot(used int) string {
	return s.slotNums.take(func(name string) bool { return s.slots[name] != nil }, used)
}

// join pairs c, a receiver, with the sender waiting at name.
//
// A join that pairs ends the sender's wait whatever the receiver does next,
// so it spends one unit of the receiver's --failed-joins-per-ip budget, given
// back when the pairing succeeds (see successMessages). An address whose
// budget is spent cannot join at all until its minute is over: one address
// ends at most that many waiting senders a minute, by leaving at once, by
// sending garbage or by guessing. Joins of codes nobody waits under spend
// nothing but count against --joins-per-ip, so a receiver script that
// retries until its sender is there is not hurt.
func (s *Server) join(c *serverConn, name string) *rendezvous.ProtocolError {
	s.mu.Lock()
	if err := s.admit(c, s.joinRate, rendezvous.CodeLimitJoinsPerIP); err != nil {
		s.mu.Unlock()
		return err
	}
	now := time.Now()
	if s.lim.failedJoins.full(c.key, now) {
		s.mu.Unlock()
		s.metrics.PairingFailed(limitNames[rendezvous.CodeLimitFailedJoins])
		return s.hitLimit(rendezvous.CodeLimitFailedJoins)
	}
	sl := s.slots[name]
	if sl == nil {
		s.mu.Unlock()
		s.metrics.PairingFailed(failNoSuchSlot)
		return &rendezvous.ProtocolError{Code: rendezvous.CodeNoSuchSlot, Message: "no sender is waiting under code " + name + ": check the code, and that the sender is still running"}
	}
	if sl.receiver != nil {
		s.mu.Unlock()
		s.metrics.PairingFailed(failSlotUsed)
		return &rendezvous.ProtocolError{Code: rendezvous.CodeSlotUsed, Message: "someone else already used this code: ask the sender to send again for a new code"}
	}
	sl.receiver = c
	sl.joined = now
	s.lim.failedJoins.allow(c.key, now) // not full: checked above, under the same lock
	s.lim.waiting.dec(sl.sender.key)
	s.metrics.SlotPaired()
	c.role, c.slot = roleReceiver, sl
	c.idle.Stop()
	sl.timer.Stop()
	sl.timer = time.AfterFunc(s.cfg.HandshakeTimeout, func() { s.expireSlot(sl, rendezvous.CodeLimitHandshake) })
	sender := sl.sender
	// Each side gets its ICE servers with TURN credentials minted for its
	// own address, now that it has a peer to relay to.
	toReceiver := rendezvous.Message{Type: rendezvous.TypePaired, Slot: name, ICEServers: s.cfg.iceServersFor(c.ip, now)}
	toSender := rendezvous.Message{Type: rendezvous.TypePaired, Slot: name, ICEServers: s.cfg.iceServersFor(sender.ip, now)}
	// The receiver hears "paired" first: the sender may relay at once after
	// its own "paired", and that relay must not overtake the receiver's.
	c.writeMu.Lock()
	sender.writeMu.Lock()
	s.mu.Unlock()

	s.logger.Info("paired", "slot", name, "sender", sender.id, "receiver", c.id, "receiver_ip", c.ip)
	_ = c.write(toReceiver)
	c.writeMu.Unlock()
	_ = sender.write(toSender)
	sender.writeMu.Unlock()
	return nil
}

// relay forwards body from c to the other side of its pair.
func (s *Server) relay(c *serverConn, body []byte) *rendezvous.ProtocolError {
	s.mu.Lock()
	sl := c.slot
	if sl == nil || sl.receiver == nil {
		s.mu.Unlock()
		return &rendezvous.ProtocolError{Code: rendezvous.CodeUnexpected, Message: "relay before the two sides were paired"}
	}
	peer := sl.other(c)
	limit := ""
	switch {
	case sl.messages >= s.cfg.MaxMessagesPerSlot:
		limit = rendezvous.CodeLimitMessages
	case sl.bytes+len(body) > s.cfg.MaxBytesPerSlot:
		limit = rendezvous.CodeLimitBytes
	}
	if limit != "" {
		s.dropSlot(sl, limitNames[limit])
		s.mu.Unlock()
		s.metrics.PairingFailed(limitNames[limit])
		perr := s.hitLimit(limit)
		s.shut(peer, perr)
		return perr
	}
	sl.messages++
	sl.bytes += len(body)
	if c == sl.sender {
		sl.fromSender++
		if sl.fromSender == successMessages && !sl.succeeded {
			sl.succeeded = true
			s.lim.failedJoins.refund(peer.key, sl.joined, time.Now())
			s.metrics.PairingSucceeded()
		}
	} else {
		sl.fromReceiver++
	}
	peer.writeMu.Lock()
	s.mu.Unlock()
	s.metrics.Relayed(len(body))

	_ = peer.write(rendezvous.Message{Type: rendezvous.TypeRelay, Body: body})
	peer.writeMu.Unlock()
	return nil
}

// leave detaches c from the server when its connection ended. If c was in a
// pair, the other side hears peer_left; either way c's slot is freed.
func (s *Server) leave(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.lim.conns.dec(c.key)
	c.idle.Stop()
	sl := c.slot
	var peer *serverConn
	if sl != nil {
		peer = sl.other(c)
		reason := "sender left"
		if c.role == roleReceiver {
			reason = "receiver left"
		}
		switch {
		case s.cutting || (s.closed && peer == nil):
			s.metrics.PairingFailed(failShuttingDown)
		case peer == nil:
			s.metrics.PairingFailed(failAbandoned)
		case !sl.succeeded:
			s.metrics.PairingFailed(sl.failure())
		}
		s.dropSlot(sl, reason)
	}
	s.mu.Unlock()
	s.metrics.ConnClosed()
	if peer != nil {
		// While the server shuts down, too: a pair that finishes its
		// handshake in the drain ends as it always does.
		s.shutPeerLeft(peer)
	}
}

// failure says why a pair that one side left never succeeded: the receiver
// left (or sent garbage, or its sender left) before it even sent its key
// share, or the PAKE ran and failed: a wrong code, or a guess.
func (sl *slot) failure() string {
	if sl.fromReceiver < 2 { // hello, share
		return failLeftBeforePAKE
	}
	return failWrongCode
}

// expireSlot ends sl when its timer fires: code says which limit it hit.
func (s *Server) expireSlot(sl *slot, code string) {
	s.mu.Lock()
	waiting := sl.receiver == nil
	if s.slots[sl.name] != sl || waiting != (code == rendezvous.CodeLimitSlotLifetime) {
		s.mu.Unlock() // freed, or paired meanwhile: an old timer
		return
	}
	sender, receiver := sl.sender, sl.receiver
	s.dropSlot(sl, code)
	s.mu.Unlock()
	s.metrics.PairingFailed(limitNames[code])
	perr := s.hitLimit(code)
	s.shut(sender, perr)
	if receiver != nil {
		s.shut(receiver, perr)
	}
}

// expireIdle ends c if it still has not allocated, claimed or joined.
func (s *Server) expireIdle(c *serverConn) {
	s.mu.Lock()
	_, live := s.conns[c]
	idle := live && c.role == roleNone
	s.mu.Unlock()
	if idle {
		perr := s.hitLimit(rendezvous.CodeLimitIdle)
		s.logs.Info("rejected "+perr.Code, "rejected", "conn", c.id, "ip", c.ip, "code", perr.Code, "reason", perr.Message)
		s.shut(c, perr)
	}
}

// dropSlot frees sl and detaches its connections. The caller holds s.mu.
func (s *Server) dropSlot(sl *slot, reason string) {
	sl.timer.Stop()
	if s.slots[sl.name] == sl {
		delete(s.slots, sl.name)
		if sl.receiver == nil {
			s.lim.waiting.dec(sl.sender.key)
			s.metrics.SlotFreed(false)
		} else {
			s.metrics.SlotFreed(true)
		}
	}
	for _, c := range []*serverConn{sl.sender, sl.receiver} {
		if c != nil && c.slot == sl {
			c.slot = nil
		}
	}
	s.logger.Info("slot freed", "slot", sl.name, "reason", reason)
}
