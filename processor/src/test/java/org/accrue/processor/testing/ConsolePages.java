package org.accrue.processor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A console page as a user signed in with an API key sees it: signs in (POST /console/login), then GETs the page. */
public final class ConsolePages {
    private ConsolePages() {
    }

    /** The page at {@code path} (e.g. "/console/cards/12"), which must answer 200. */
    public static String get(int httpPort, String key, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        String base = "http://127.0.0.1:" + httpPort;
        HttpResponse<Void> login = http.send(HttpRequest.newBuilder(URI.create(base + "/console/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + key)).build(), HttpResponse.BodyHandlers.discarding());
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).as(path).isEqualTo(200);
        return page.body();
    }
}
