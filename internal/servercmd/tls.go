package servercmd

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
)

// certStore holds the TLS certificate from --tls-cert and --tls-key. Reload
// swaps it for new handshakes; connections already open keep theirs, so a
// renewed certificate is taken up without dropping anyone.
type certStore struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
}

// newCertStore loads the certificate, or says what is wrong with the files.
func newCertStore(certFile, keyFile string) (*certStore, error) {
	s := &certStore{certFile: certFile, keyFile: keyFile}
	if _, err := s.reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// reload reads the files again. On error the certificate in use stays.
func (s *certStore) reload() (*x509.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: load --tls-cert %s and --tls-key %s: %w: give a PEM certificate (chain) and its PEM private key", s.certFile, s.keyFile, err)
	}
	s.cert.Store(&cert)
	return cert.Leaf, nil
}

func (s *certStore) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.cert.Load(), nil
}

// tlsConfig serves the store's certificate, HTTP/1.1 only (websockets).
func (s *certStore) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: s.getCertificate,
		NextProtos:     []string{"http/1.1"},
	}
}

// logCert logs what a certificate is for and until when, and warns when it
// has expired or is about to.
func logCert(logger *slog.Logger, msg string, leaf *x509.Certificate) {
	if leaf == nil {
		logger.Info(msg)
		return
	}
	names := append([]string{}, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	attrs := []any{"subject", leaf.Subject.String(), "names", strings.Join(names, ","), "not_after", leaf.NotAfter.UTC().Format(time.RFC3339)}
	logger.Info(msg, attrs...)
	switch left := time.Until(leaf.NotAfter); {
	case left <= 0:
		logger.Warn("the TLS certificate has expired: clients will refuse it; renew it and send SIGHUP", attrs...)
	case left < 7*24*time.Hour:
		logger.Warn("the TLS certificate expires within a week: renew it and send SIGHUP", attrs...)
	}
}
