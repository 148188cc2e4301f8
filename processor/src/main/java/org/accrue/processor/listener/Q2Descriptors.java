/*
 * A node's Q2 deploy descriptors with its own values written in. The
 * templates (config module, classpath deploy/) name their settings as
 * ${q2.accrue.*}; jPOS would resolve those from JVM-wide system properties,
 * which two nodes in one JVM overwrite, so each placeholder is replaced here,
 * before the file reaches the node's deploy directory.
 *
 * A value passes two readers: the XML parser, then jPOS's Environment, which
 * expands ${...} (and $sys{...}, $env{...}) in every attribute and text. So a
 * value is wrapped in jPOS's $verb{...} (taken verbatim) when it holds a '$',
 * and then XML-escaped. A placeholder with no value is an error naming it:
 * left in, jPOS would quietly look it up in the system properties again.
 */
package org.accrue.processor.listener;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jpos.core.SimpleConfiguration;
import org.jpos.util.LogEvent;
import org.jpos.util.LogListener;
import org.jpos.util.Logger;
import org.jpos.util.ProtectedLogListener;
import org.slf4j.LoggerFactory;

final class Q2Descriptors {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(q2\\.accrue\\.[A-Za-z0-9.-]+)}");
    /** What ProtectedLogListener masks in anything jPOS logs: PAN, expiry, tracks, PIN block, chip data (as 00_logger.xml). */
    static final String PROTECTED_FIELDS = "2 14 34 35 36 45 52 55";
    private static boolean q2LogForwarded;

    private Q2Descriptors() {
    }

    /** {@code template} (the descriptor {@code name}) with every ${q2.accrue.*} replaced by its value from {@code values}. */
    static String fill(String name, String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder(template.length());
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("deploy descriptor " + name + " names ${" + m.group(1)
                        + "}, which the node does not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(xmlEscape(verbatimForJpos(value))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@code value} as jPOS's Environment will hand it on unchanged. */
    static String verbatimForJpos(String value) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        if (value.indexOf('}') >= 0) { // $verb{...} ends at the first '}'
            throw new IllegalStateException("a Q2 setting may not hold both '$' and '}': " + value);
        }
        return "$verb{" + value + "}";
    }

    /** The value as XML text or attribute: the escaping the console uses too (Jetty's, on the classpath). */
    static String xmlEscape(String value) {
        return org.eclipse.jetty.util.StringUtil.sanitizeXmlString(value);
    }

    /**
     * Q2 itself (deploys, a descriptor it cannot read) and any jPOS event without a logger of its own log to the
     * logger named "Q2", which jPOS keeps once per JVM. The nodes' descriptors each declare a logger of their own,
     * so this one is given, once, the same masking and then this process's log (SLF4J, logger org.jpos.q2): a
     * warning or error there says what failed to deploy; the rest is debug.
     */
    static synchronized void forwardQ2LogToSlf4j() {
        if (q2LogForwarded) {
            return;
        }
        ProtectedLogListener mask = new ProtectedLogListener();
        SimpleConfiguration cfg = new SimpleConfiguration();
        cfg.put("protect", PROTECTED_FIELDS);
        cfg.put("wipe", "");
        try {
            mask.setConfiguration(cfg);
        } catch (org.jpos.core.ConfigurationException e) {
            throw new IllegalStateException("jPOS refused the masking of the Q2 log: " + e.getMessage(), e);
        }
        Logger q2 = Logger.getLogger("Q2");
        q2.addListener(mask);
        q2.addListener(new ToSlf4j());
        q2LogForwarded = true;
    }

    private static final class ToSlf4j implements LogListener {
        private static final org.slf4j.Logger log = LoggerFactory.getLogger("org.jpos.q2");

        @Override
        public LogEvent log(LogEvent ev) {
            String tag = ev.getTag() == null ? "" : ev.getTag();
            if (tag.equals("error") || tag.equals("warn") || ev.hasException()) {
                log.warn("Q2 {}: {}", tag, ev.toString("").strip());
            } else if (log.isDebugEnabled()) {
                log.debug("Q2 {}: {}", tag, ev.toString("").strip());
            }
            return ev;
        }
    }
}
