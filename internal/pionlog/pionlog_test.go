package pionlog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		levels Levels
		want   []string // the lines at Debug and above, in order
	}{
		{"peer", Peer, []string{"level=DEBUG msg=info pion=ice", "level=WARN msg=\"warn 1\" pion=ice", "level=ERROR msg=error pion=ice"}},
		{"server", Server, []string{"level=DEBUG msg=info pion=ice", "level=DEBUG msg=\"warn 1\" pion=ice", "level=DEBUG msg=error pion=ice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := slog.NewTextHandler(&buf, &slog.HandlerOptions{
				Level: slog.LevelDebug,
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				},
			})
			l := Factory{Log: slog.New(h), Levels: tc.levels}.NewLogger("ice")
			l.Trace("trace")
			l.Debugf("debug %d", 1)
			l.Info("info")
			l.Warnf("warn %d", 1)
			l.Error("error")
			got := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("logged:\n%s\nwant:\n%s", buf.String(), strings.Join(tc.want, "\n"))
			}
		})
	}
	// A nil logger discards.
	Factory{}.NewLogger("sctp").Errorf("nothing %d", 1)
}
