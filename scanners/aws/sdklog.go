package aws

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/smithy-go/logging"
)

// sdkLogger routes the AWS SDK's log lines through keyholder's slog
// logger, so --log-format json holds for them too.
type sdkLogger struct{ l *slog.Logger }

func (s sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	lvl := slog.LevelInfo
	if c == logging.Warn {
		lvl = slog.LevelWarn
	} else if c == logging.Debug {
		lvl = slog.LevelDebug
	}
	s.l.Log(context.Background(), lvl, "aws sdk: "+fmt.Sprintf(format, v...))
}
