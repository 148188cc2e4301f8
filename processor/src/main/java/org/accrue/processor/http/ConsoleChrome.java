/*
 * The console's sessions and page chrome (see Console's header): signing in
 * with an ops or admin API key, the session cookie (a random id, never the
 * key) and its expiry, the CSRF token every form carries, and the layout every
 * page is drawn in (navigation with access keys, the inline stylesheet, the
 * CSP). The page classes (ConsoleQueue, ConsoleExceptions, ConsoleCards,
 * ConsoleCatalog, ConsoleOperations) read their session here.
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.Console.PATH;
import static org.accrue.processor.http.Console.esc;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.http.Console.Session;
import org.accrue.processor.ids.Ids;

import io.javalin.http.Context;

final class ConsoleChrome {
    private static final String COOKIE = "accrue_console";
    private static final Duration SESSION_TTL = Duration.ofHours(8);
    private static final int SESSIONS_MAX = 10_000;

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final ApiKeys keys;
    private final InstantSource clock;

    ConsoleChrome(ApiKeys keys, InstantSource clock) {
        this.keys = keys;
        this.clock = clock;
    }

    private static String token() {
        return Ids.secret("cs");
    }

    String loginForm(String error) {
        return (error == null ? "" : "<p class=err>That key is not an ops or admin key.</p>")
                + "<form method=post action='" + PATH + "/login'><label>API key <input type=password name=key id=key "
                + "autocomplete=off required></label> <button id=signin>Sign in</button></form>";
    }

    void login(Context ctx) {
        Principal p = keys.authenticate(ctx.formParam("key")).orElse(null);
        if (p == null || p.role() == Role.ISSUER) {
            ctx.redirect(PATH + "/login?error=1");
            return;
        }
        Instant now = clock.instant();
        if (sessions.size() >= SESSIONS_MAX) {
            sessions.values().removeIf(x -> x.expires().isBefore(now));
        }
        String id = token();
        sessions.put(id, new Session(p, token(), now.plus(SESSION_TTL)));
        ctx.res().addHeader("Set-Cookie", COOKIE + "=" + id + "; Path=" + PATH + "; HttpOnly; SameSite=Strict; Max-Age="
                + SESSION_TTL.toSeconds());
        ctx.redirect(PATH);
    }

    void logout(Context ctx) {
        session(ctx);
        String id = ctx.cookie(COOKIE);
        if (id != null) {
            sessions.remove(id);
        }
        ctx.removeCookie(COOKIE, PATH);
        ctx.redirect(PATH + "/login");
    }

    /** The signed-in session, or a redirect to sign in (and null). */
    Session session(Context ctx) {
        String id = ctx.cookie(COOKIE);
        Session ses = id == null ? null : sessions.get(id);
        if (ses == null || ses.expires().isBefore(clock.instant())) {
            if (id != null) {
                sessions.remove(id);
            }
            ctx.redirect(PATH + "/login");
            return null;
        }
        return ses;
    }

    /** A POST's session, with its CSRF token checked. */
    Session post(Context ctx) {
        Session ses = session(ctx);
        if (ses != null && !ses.csrf().equals(ctx.formParam("csrf"))) {
            ctx.status(403).result("stale form: reload the page");
            return null;
        }
        return ses;
    }

    static String csrf(Session ses) {
        return "<input type=hidden name=csrf value='" + ses.csrf() + "'>";
    }

    /** The console's stylesheet, inline (see the header): quiet, dense tables, a visible focus ring everywhere. */
    private static final String STYLE = """
            :root{--fg:#1c2430;--muted:#5b6675;--line:#e3e7ee;--bg:#f6f7f9;--card:#fff;--accent:#1f5fbf;--bad:#b42318;\
            --good:#067647;--warn:#b54708}
            *{box-sizing:border-box}
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
            header{background:#16202e;color:#fff;display:flex;flex-wrap:wrap;align-items:center;gap:.25em 1em;padding:.5em 1.5em}
            header .brand{font-weight:700;letter-spacing:.02em;margin-right:1em}
            header a{color:#dbe6f6;text-decoration:none;padding:.3em .5em;border-radius:4px}
            header a:hover,header a[aria-current=page]{background:#2b3a52;color:#fff}
            header .who{color:#9fb0c6;margin-left:auto}
            header input{width:12em}
            main{padding:1em 1.5em 2em;max-width:1500px}
            h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.1em;margin:1.4em 0 .5em}
            table{border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:6px;margin-bottom:1em}
            th,td{border-bottom:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}
            th{background:#eef1f5;font-weight:600;color:#344054;position:sticky;top:0}
            tr:nth-child(even) td{background:#fafbfc}tr:hover td{background:#eef4fd}
            td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            a{color:var(--accent)}
            button,select,input{font:inherit;padding:3px 8px;border:1px solid #c5ccd6;border-radius:4px;background:#fff;color:var(--fg)}
            button{background:var(--accent);border-color:var(--accent);color:#fff;cursor:pointer}
            button.quiet{background:#fff;color:var(--accent)}
            :focus-visible{outline:3px solid #f5a524;outline-offset:2px}
            .inline{display:inline}.err{color:var(--bad)}.ok{color:var(--good)}
            .old{color:var(--bad);font-weight:600}.muted{color:var(--muted)}
            .flash{background:#ecfdf3;border:1px solid #abefc6;padding:.5em .8em;border-radius:4px}
            .panel{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6em 1em;margin-bottom:1em}
            .charts{display:flex;flex-wrap:wrap;gap:1em}.charts figure{margin:0}.charts figcaption{font-weight:600;margin-bottom:.3em}
            .filters{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:end}.filters label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted)}
            .pager{display:flex;gap:1em;align-items:center;margin:.5em 0}
            .keys{color:var(--muted);font-size:.85em;margin-top:2em}kbd{border:1px solid #c5ccd6;border-radius:3px;padding:0 4px;background:#fff}
            """;

    /** The main pages: path, label, access key (Alt+key in Chromium, Alt+Shift+key in Firefox). */
    private record NavLink(String path, String label, char key) {
    }

    private static final List<NavLink> NAV = List.of(new NavLink("", "Exceptions", 'e'), new NavLink("/jobs", "Jobs", 'j'),
            new NavLink("/webhooks", "Webhooks", 'w'), new NavLink("/catalog", "Offers & merchants", 'o'),
            new NavLink("/points", "Points", 'p'),
            new NavLink("/health", "Health", 'h'));

    static void page(Context ctx, String title, Session ses, String body) {
        StringBuilder nav = new StringBuilder("<header><span class=brand>Accrue ops</span>");
        if (ses != null) {
            nav.append("<nav aria-label=main>");
            String here = ctx.path();
            for (NavLink l : NAV) {
                boolean current = here.equals(PATH + l.path()) || l.path().isEmpty() && here.equals(PATH + "/");
                nav.append("<a href='").append(PATH).append(l.path()).append("' accesskey=").append(l.key())
                        .append(current ? " aria-current=page" : "").append(">").append(esc(l.label())).append("</a>");
            }
            nav.append("</nav><form class=inline method=get action='").append(PATH).append("/cards/'>")
                    .append("<input name=card placeholder='card id' aria-label='card id' accesskey=c id=card-search></form>")
                    .append("<span class=who>").append(esc(ses.principal().keyName())).append(" (")
                    .append(esc(ses.principal().role().name().toLowerCase())).append(")</span> <form class=inline method=post action='")
                    .append(PATH).append("/logout'>").append(csrf(ses)).append("<button class=quiet>Sign out</button></form>");
        }
        nav.append("</header>");
        String keysHelp = ses == null ? "" : "<footer class=keys>Keys: " + String.join(" · ", NAV.stream()
                .map(l -> "<kbd>Alt</kbd>+<kbd>" + l.key() + "</kbd> " + esc(l.label())).toList())
                + " · <kbd>Alt</kbd>+<kbd>c</kbd> card search · <kbd>Tab</kbd> moves between controls, <kbd>Space</kbd> ticks a "
                + "row, <kbd>Enter</kbd> submits</footer>";
        ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
                .result("<!doctype html><html lang=en><head><meta charset=utf-8><title>Accrue · " + esc(title)
                        + "</title><style>" + STYLE + "</style></head><body>" + nav + "<main><h1>" + esc(title) + "</h1>"
                        + body + keysHelp + "</main></body></html>");
    }
}
