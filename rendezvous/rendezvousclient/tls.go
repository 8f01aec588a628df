package rendezvousclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// tlsReason explains a failed TLS handshake with a wss:// server, and what to
// do about it; ok is false for errors of another kind.
func tlsReason(err error) (why string, ok bool) {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown):
		return fmt.Sprintf("its TLS certificate is not signed by an authority this computer trusts (%v): if the server uses a self-signed or private certificate, point SSL_CERT_FILE at that certificate (a PEM file)", unknown.Error()), true
	case errors.As(err, &hostname):
		return fmt.Sprintf("its TLS certificate is for other names (%v): check the host name in --server", hostname.Error()), true
	case errors.As(err, &invalid):
		return fmt.Sprintf("its TLS certificate is not valid (%v): the server's operator must renew or fix it", invalid.Error()), true
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "it does not speak TLS on that port: use ws:// instead of wss:// (or https://), or check the port in --server", true
	}
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		return fmt.Sprintf("its TLS certificate could not be verified (%v): check --server, or SSL_CERT_FILE for a private certificate", verr.Err), true
	}
	return "", false
}
