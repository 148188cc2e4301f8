/*
 * Horizontal bar charts for the console, drawn here as inline SVG: the page's
 * CSP allows no script and nothing from another origin, and a count per bar
 * is all ops need to see at a glance where the queue is. Each bar is a link
 * (to the queue filtered by it) and carries its label and count as text, so
 * the chart reads the same to a screen reader and to a test.
 */
package org.accrue.processor.http;

import java.util.List;

import org.eclipse.jetty.util.StringUtil;

final class Charts {
    /** One bar: what it counts, how many, and where a click on it goes. */
    record Bar(String label, long count, String href) {
    }

    private static final int LABEL_WIDTH = 210;
    private static final int BAR_WIDTH_MAX = 260;
    private static final int ROW_HEIGHT = 22;

    private Charts() {
    }

    /** A figure with a caption and one bar per entry, scaled to the largest count; "none open" when empty. */
    static String bars(String id, String caption, List<Bar> bars) {
        StringBuilder b = new StringBuilder("<figure id='").append(esc(id)).append("'><figcaption>").append(esc(caption))
                .append("</figcaption>");
        if (bars.isEmpty()) {
            return b.append("<p class=muted>none open</p></figure>").toString();
        }
        long max = bars.stream().mapToLong(Bar::count).max().orElse(0);
        int width = LABEL_WIDTH + BAR_WIDTH_MAX + 60;
        int height = bars.size() * ROW_HEIGHT + 4;
        b.append("<svg xmlns='http://www.w3.org/2000/svg' role=img width=").append(width).append(" height=").append(height)
                .append(" viewBox='0 0 ").append(width).append(' ').append(height).append("' aria-label='")
                .append(esc(caption)).append("'>");
        int y = 2;
        for (Bar bar : bars) {
            // integer pixels: the width is proportional to the count, rounded down, at least 1 for a count above 0
            long w = max == 0 ? 0 : Math.max(bar.count() > 0 ? 1 : 0, bar.count() * BAR_WIDTH_MAX / max);
            b.append("<a href='").append(esc(bar.href())).append("'><g class=bar data-label='").append(esc(bar.label()))
                    .append("' data-count='").append(bar.count()).append("'><title>").append(esc(bar.label())).append(": ")
                    .append(bar.count()).append("</title><text x=").append(LABEL_WIDTH - 6).append(" y=").append(y + 15)
                    .append(" text-anchor=end font-size=12 fill='#344054'>").append(esc(bar.label())).append("</text><rect x=")
                    .append(LABEL_WIDTH).append(" y=").append(y + 3).append(" width=").append(w).append(" height=")
                    .append(ROW_HEIGHT - 6).append(" rx=3 fill='#1f5fbf'/><text x=").append(LABEL_WIDTH + w + 6).append(" y=")
                    .append(y + 15).append(" font-size=12 fill='#1c2430'>").append(bar.count()).append("</text></g></a>");
            y += ROW_HEIGHT;
        }
        return b.append("</svg></figure>").toString();
    }

    private static String esc(String s) {
        return StringUtil.sanitizeXmlString(s);
    }
}
