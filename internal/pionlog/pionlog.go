// Package pionlog sends pion's logs (github.com/pion/logging) to a
// *slog.Logger, each line tagged with pion's scope ("ice", "sctp", "turn").
//
// pion's levels do not mean what ours do: its Info lines are chatty
// internals, and on a public server its warnings and errors are per packet
// and routine. So the caller picks the slog level of each pion level
// (Levels); pion's Trace and Debug always go below slog's Debug.
package pionlog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// LevelTrace is below slog's Debug: pion's per-packet trace and debug lines.
const LevelTrace = slog.LevelDebug - 4

// Levels are the slog levels of pion's Info, Warn and Error lines.
type Levels struct {
	Info, Warn, Error slog.Level
}

// Levels for the two kinds of user.
var (
	// Peer is for one peer connection: pion's Info is Debug, its warnings
	// and errors keep their level.
	Peer = Levels{Info: slog.LevelDebug, Warn: slog.LevelWarn, Error: slog.LevelError}
	// Server is for a public server: every pion line is Debug; the server
	// logs its own events.
	Server = Levels{Info: slog.LevelDebug, Warn: slog.LevelDebug, Error: slog.LevelDebug}
)

// Factory is a logging.LoggerFactory writing to Log (nil: nowhere).
type Factory struct {
	Log    *slog.Logger
	Levels Levels
}

// NewLogger implements logging.LoggerFactory.
func (f Factory) NewLogger(scope string) logging.LeveledLogger {
	if f.Log == nil {
		return logger{}
	}
	return logger{log: f.Log.With("pion", scope), lv: f.Levels}
}

// logger implements logging.LeveledLogger; the zero value discards.
type logger struct {
	log *slog.Logger
	lv  Levels
}

func (l logger) emit(level slog.Level, msg string) {
	if l.log != nil {
		l.log.Log(context.Background(), level, msg)
	}
}

func (l logger) emitf(level slog.Level, format string, args ...any) {
	if l.log != nil && l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (l logger) Trace(msg string)                  { l.emit(LevelTrace, msg) }
func (l logger) Tracef(format string, args ...any) { l.emitf(LevelTrace, format, args...) }
func (l logger) Debug(msg string)                  { l.emit(LevelTrace, msg) }
func (l logger) Debugf(format string, args ...any) { l.emitf(LevelTrace, format, args...) }
func (l logger) Info(msg string)                   { l.emit(l.lv.Info, msg) }
func (l logger) Infof(format string, args ...any)  { l.emitf(l.lv.Info, format, args...) }
func (l logger) Warn(msg string)                   { l.emit(l.lv.Warn, msg) }
func (l logger) Warnf(format string, args ...any)  { l.emitf(l.lv.Warn, format, args...) }
func (l logger) Error(msg string)                  { l.emit(l.lv.Error, msg) }
func (l logger) Errorf(format string, args ...any) { l.emitf(l.lv.Error, format, args...) }
