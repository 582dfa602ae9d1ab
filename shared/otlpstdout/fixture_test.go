package otlpstdout

import (
	"os"

	"github.com/otlpfwd/otlpfwd/shared/fixture"
)

func readFixture(name string) ([]byte, error) { return os.ReadFile(fixture.Path(name)) }
