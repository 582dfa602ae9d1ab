package compress

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

func TestGzipRoundTripAndMembers(t *testing.T) {
	a := bytes.Repeat([]byte("span "), 1000)
	b := []byte("second member")
	z := Gzip(nil, a, DefaultLevel)
	z = Gzip(z, b, 9)
	if !IsGzip(z) {
		t.Fatal("IsGzip = false for gzip data")
	}
	got, err := Gunzip(nil, z, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte{}, a...), b...); !bytes.Equal(got, want) {
		t.Fatalf("concatenated members inflate to %d bytes, want %d", len(got), len(want))
	}
	if n, ok := GzipSize(z); !ok || n != len(b) {
		t.Fatalf("GzipSize = %d, %v; want %d (last member)", n, ok, len(b))
	}
}

func TestGunzipLimitRefusesBomb(t *testing.T) {
	bomb := Gzip(nil, make([]byte, 64<<20), 9) // 64 MiB of zeros, ~64 KiB compressed
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes; expected a small payload", len(bomb))
	}
	_, err := Gunzip(nil, bomb, 1<<20)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Gunzip(bomb, 1 MiB) error = %v, want ErrTooLarge", err)
	}
	// Exactly at the limit is fine.
	exact := Gzip(nil, make([]byte, 1000), 1)
	if out, err := Gunzip(nil, exact, 1000); err != nil || len(out) != 1000 {
		t.Fatalf("Gunzip at limit = %d bytes, %v", len(out), err)
	}
	if _, err := Gunzip(nil, exact, 999); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Gunzip one past limit error = %v, want ErrTooLarge", err)
	}
}

// A trailer claiming 4 GiB on a 27-byte member must not make Gunzip
// allocate up to its limit: the claim is bounded by what deflate can
// produce from the input.
func TestGunzipDistrustsTrailerSize(t *testing.T) {
	z := Gzip(nil, []byte("hi"), DefaultLevel)
	copy(z[len(z)-4:], []byte{0xff, 0xff, 0xff, 0xff})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		if _, err := Gunzip(nil, z, 64<<20); err == nil {
			t.Fatal("a member with a wrong size in its trailer inflated")
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / 10; per > 1<<20 {
		t.Fatalf("Gunzip of a 27-byte payload allocated %d bytes", per)
	}
}

func TestGunzipDamaged(t *testing.T) {
	z := Gzip(nil, bytes.Repeat([]byte("abc"), 5000), 6)
	for name, in := range map[string][]byte{
		"truncated": z[:len(z)/2],
		"not gzip":  []byte("{\"hello\":1}"),
		"empty":     nil,
		"bad crc":   append(append([]byte{}, z[:len(z)-8]...), 0, 0, 0, 0, z[len(z)-4], z[len(z)-3], z[len(z)-2], z[len(z)-1]),
	} {
		if _, err := Gunzip(nil, in, 0); err == nil {
			t.Errorf("%s: Gunzip succeeded, want error", name)
		}
	}
}

func TestZstdRoundTripAndLimit(t *testing.T) {
	in := bytes.Repeat([]byte("metric "), 10000)
	z, err := Zstd(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if !IsZstd(z) {
		t.Fatal("IsZstd = false")
	}
	out, err := Unzstd(nil, z, 0)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("Unzstd = %d bytes, %v", len(out), err)
	}
	if _, err := Unzstd(nil, z, 100); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Unzstd over limit error = %v, want ErrTooLarge", err)
	}
	if _, err := Unzstd(nil, z[:len(z)/2], 0); err == nil {
		t.Fatal("Unzstd of truncated frame succeeded")
	}
}

func TestS2RoundTripAndLimit(t *testing.T) {
	in := bytes.Repeat([]byte("span attribute "), 5000)
	z := S2([]byte("keep"), in)
	if !bytes.HasPrefix(z, []byte("keep")) {
		t.Fatal("S2 overwrote dst")
	}
	out, err := UnS2([]byte("x"), z[4:], 0)
	if err != nil || !bytes.Equal(out[1:], in) || out[0] != 'x' {
		t.Fatalf("UnS2 = %d bytes, %v", len(out), err)
	}
	if _, err := UnS2(nil, z[4:], 100); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := UnS2(nil, z[4:len(z)/2], 0); err == nil {
		t.Fatal("truncated block decoded")
	}
}
