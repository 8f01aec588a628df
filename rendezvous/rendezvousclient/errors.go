package rendezvousclient

// clientError is an error this package makes: its own message, matching a
// sentinel and, when there is one, the cause.
type clientError struct {
	msg   string
	is    error
	cause error
}

func (e *clientError) Error() string { return e.msg }

func (e *clientError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.is}
	}
	return []error{e.is, e.cause}
}
