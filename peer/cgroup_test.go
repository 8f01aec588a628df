package peer

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCgroupRoom: the room a memory limit leaves is read from the process's
// own cgroup and its ancestors, for cgroup v2 and v1, and inside a container
// that sees only its own cgroup.
func TestCgroupRoom(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name   string
		cgroup string            // /proc/self/cgroup
		files  map[string]string // under the cgroupfs mount
		want   int64
	}{
		{
			name:   "v2, a systemd unit's MemoryMax",
			cgroup: "0::/system.slice/ferry.service\n",
			files: map[string]string{
				"system.slice/ferry.service/memory.max":     "314572800\n",
				"system.slice/ferry.service/memory.current": "104857600\n",
				"system.slice/memory.max":                   "max\n",
			},
			want: 200 * mib,
		},
		{
			name:   "v2, the parent's limit is the tighter",
			cgroup: "0::/a/b\n",
			files: map[string]string{
				"a/b/memory.max": "1073741824", "a/b/memory.current": "0",
				"a/memory.max": "268435456", "a/memory.current": "167772160",
			},
			want: 96 * mib,
		},
		{
			name:   "v2 in a container: its cgroup is the mount's root",
			cgroup: "0::/\n",
			files:  map[string]string{"memory.max": "536870912", "memory.current": "268435456"},
			want:   256 * mib,
		},
		{
			name:   "v1 on a hybrid host, no limit set",
			cgroup: "5:devices:/\n4:memory:/process_api/x\n0::/\n",
			files: map[string]string{
				"memory/process_api/x/memory.limit_in_bytes": "9223372036854771712",
				"memory/process_api/x/memory.usage_in_bytes": "3464966144",
			},
			want: 0,
		},
		{
			name:   "v1 container without a cgroup namespace: the path is not visible, the mount's root is its cgroup",
			cgroup: "11:cpuacct,cpu:/docker/abc\n4:memory:/docker/abc\n",
			files: map[string]string{
				"memory/memory.limit_in_bytes": "209715200",
				"memory/memory.usage_in_bytes": "52428800",
			},
			want: 150 * mib,
		},
		{
			name:   "usage above the limit still leaves a positive room",
			cgroup: "0::/\n",
			files:  map[string]string{"memory.max": "1000", "memory.current": "2000"},
			want:   1,
		},
		{
			name:   "no cgroup file",
			cgroup: "",
			want:   0,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			proc := filepath.Join(dir, "proc-self-cgroup")
			if c.cgroup != "" {
				if err := os.WriteFile(proc, []byte(c.cgroup), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			fs := filepath.Join(dir, "cgroupfs")
			for name, body := range c.files {
				p := filepath.Join(fs, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got := cgroupRoom(proc, fs); got != c.want {
				t.Errorf("room %d bytes (%d MiB), want %d (%d MiB)", got, got/mib, c.want, c.want/mib)
			}
		})
	}
}
