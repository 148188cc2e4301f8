/*
 * What `accrue enroll`, `recon import` and `jobs run posting|statement-file` show while they work. At a terminal:
 * one line redrawn in place at most five times a second (a bar, the percentage, done of total, the rate and the time
 * left). Elsewhere (a pipe, a log file, cron): a plain line every 5 s, or at each further tenth of the work once a
 * second has passed since the last line, and a last line at the end; work done within a second prints nothing, so a
 * quick command's output stays as it was. Hand-written: no progress bar library is in the build's repository
 * (me.tongfei:progressbar is not), and this is a hundred lines. The rate is the average since the start (steady
 * enough for a time left; an import's first seconds decrypt before any line is applied, which a recent-window rate
 * would show as a stall).
 */
package org.accrue.processor.cli;

import java.io.PrintStream;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

import org.accrue.processor.Progress;

final class ProgressLine implements Progress, AutoCloseable {
    static final long REDRAW_NS = 200_000_000L;
    static final long PLAIN_EVERY_NS = 5_000_000_000L;
    static final long PLAIN_MIN_GAP_NS = 1_000_000_000L;
    private static final int BAR_CHARS = 24;

    /** Bytes as people read them: 950 B, 12.3 KB, 4.1 MB, 2.0 GB. */
    static final LongFunction<String> BYTES = ProgressLine::bytes;

    /** A count with its noun: 12,345 rewards. */
    static LongFunction<String> count(String noun) {
        return n -> String.format(java.util.Locale.ROOT, "%,d %s", n, noun);
    }

    private final String label;
    private final LongFunction<String> format;
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanos;
    private final long started;
    private long shownAt;
    private int shownTenth = -1;
    private int shownWidth;
    private boolean shown;
    private long shownDone = -1;
    private long done;
    private long total = -1;
    private boolean reported;

    ProgressLine(String label, LongFunction<String> format, PrintStream out, boolean terminal, LongSupplier nanos) {
        this.label = label;
        this.format = format;
        this.out = out;
        this.terminal = terminal;
        this.nanos = nanos;
        this.started = nanos.getAsLong();
        this.shownAt = started;
    }

    /** On standard output, redrawn in place when it is a terminal, plain lines otherwise. */
    static ProgressLine onStdout(String label, LongFunction<String> format) {
        java.io.Console console = System.console();
        return new ProgressLine(label, format, System.out, console != null && console.isTerminal(), System::nanoTime);
    }

    @Override
    public synchronized void at(long done, long total) {
        this.done = done;
        this.total = total;
        reported = true;
        long now = nanos.getAsLong();
        if (terminal) {
            if (now - shownAt >= REDRAW_NS) {
                draw(now);
            }
            return;
        }
        int tenth = total > 0 ? (int) Math.min(10, done * 10 / total) : -1;
        long since = now - shownAt;
        if (since >= PLAIN_EVERY_NS || (tenth > shownTenth && since >= PLAIN_MIN_GAP_NS)) {
            line(now);
            shownTenth = tenth;
        }
    }

    /** The last state: the line completed (terminal) or a last plain line, if lines were shown and it is new. */
    @Override
    public synchronized void close() {
        if (!reported) {
            return;
        }
        long now = nanos.getAsLong();
        if (terminal) {
            draw(now);
            out.println();
        } else if (shown && done != shownDone) {
            line(now);
        }
        out.flush();
    }

    private void draw(long now) {
        String s = label + "  " + bar() + "  " + figures(now, "  ", "/", " left");
        int pad = Math.max(0, shownWidth - s.length());
        out.print("\r" + s + " ".repeat(pad));
        out.flush();
        shownWidth = s.length();
        shownAt = now;
        shown = true;
    }

    private void line(long now) {
        out.println(label + ": " + figures(now, ", ", " of ", " left"));
        out.flush();
        shownDone = done;
        shownAt = now;
        shown = true;
    }

    private String bar() {
        int filled = total > 0 ? (int) Math.min(BAR_CHARS, done * BAR_CHARS / total) : 0;
        return "[" + "#".repeat(filled) + ".".repeat(BAR_CHARS - filled) + "]";
    }

    /** "38%, 1.2 MB of 3.1 MB, 410 KB/s, 0:05 left"; without a total, "1,234 rewards, 410 rewards/s". */
    private String figures(long now, String sep, String of, String left) {
        double seconds = Math.max(1e-3, (now - started) / 1e9);
        double perSecond = done / seconds;
        String rate = format.apply(Math.round(perSecond)) + "/s";
        if (total <= 0) {
            return format.apply(done) + sep + rate + sep + clock(Math.round(seconds)) + " so far";
        }
        long pct = Math.min(100, done * 100 / total);
        String eta = perSecond <= 0 ? "?" : clock(Math.round(Math.max(0, total - done) / perSecond));
        return pct + "%" + sep + format.apply(done) + of + format.apply(total) + sep + rate + sep + eta + left;
    }

    static String clock(long seconds) {
        return seconds >= 3600 ? String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format("%d:%02d", seconds / 60, seconds % 60);
    }

    private static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
