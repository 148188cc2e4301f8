/*
 * The `accrue` command line (the ./accrue launcher runs this). Each
 * subcommand loads the typed configuration the same way: a properties file
 * (--config, default ./accrue.properties when present), then ACCRUE_*
 * environment variables, then -Daccrue.* system properties. Every command
 * that touches the store builds its node through Processor.builder, the
 * same wiring as `serve`: offline (no listener, API, matcher or scheduler)
 * for a command that does one thing and exits.
 */
package org.accrue.processor.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.accrue.processor.ids.Ids;
import org.accrue.config.AccrueConfig;
import org.accrue.config.ConfigException;
import org.accrue.config.Settings;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.BulkEnrollment;
import org.accrue.processor.http.ApiKeys;
import org.accrue.processor.store.StoreStartException;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "accrue", mixinStandardHelpOptions = true, version = "accrue 0.1.0",
        description = "Accrue: card-linked cashback and bank rewards processor.",
        subcommands = {InitCommand.class, AccrueCli.Serve.class, DemoCommand.class, SimulateCommand.class, AccrueCli.Enroll.class,
                AccrueCli.NewApiKey.class, AccrueCli.NewPanKey.class, AccrueCli.Offers.class, AccrueCli.JobsCommand.class,
                AccrueCli.Recon.class, AccrueCli.Audit.class})
public final class AccrueCli implements Runnable {

    /** Exit codes: 0 done, 1 the command failed, 2 bad usage or configuration, 3 the store could not be opened. */
    static final int STORE_FAILED = 3;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: the exit code of a run is what execute returns. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new AccrueCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException) {
                cmd.getErr().println("accrue: configuration: " + e.getMessage());
                return 2;
            }
            if (e instanceof StoreStartException) {
                cmd.getErr().println("accrue: store: " + e.getMessage());
                return STORE_FAILED;
            }
            throw e;
        });
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Options every command that reads the configuration shares. */
    static final class ConfigOption {
        @Option(names = "--config", description = "properties file (default: ./accrue.properties when present)")
        Path file;

        AccrueConfig load() {
            Path f = file;
            if (f == null && Files.exists(Path.of("accrue.properties"))) {
                f = Path.of("accrue.properties");
            }
            AccrueConfig c = AccrueConfig.from(Settings.load(f));
            applyLogLevel(c.logLevel());
            return c;
        }
    }

    static void applyLogLevel(String level) {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(Level.toLevel(level));
        }
    }

    @Command(name = "serve", description = "Run a processor node: ISO 8583 listener, HTTP API, store.")
    static final class Serve implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @Override
        public Integer call() throws InterruptedException {
            AccrueConfig c = config.load();
            Processor p = Processor.builder(c).start();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                p.close();
                stopped.countDown();
            }, "accrue-shutdown"));
            System.out.println("accrue: serving ISO 8583 on port " + p.isoPort() + ", HTTP on port " + p.httpPort()
                    + " (Ctrl-C stops)");
            stopped.await();
            return 0;
        }
    }

    @Command(name = "enroll", description = "Enroll the cards of a file: pan|accountRef|lastName[|airlineProgram|memberNumber] per line.")
    static final class Enroll implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @Option(names = "--issuer", required = true, description = "the issuer id the cards belong to")
        String issuer;

        @Parameters(index = "0", description = "the enrollment file")
        Path file;

        @Override
        public Integer call() throws Exception {
            AccrueConfig c = config.load();
            if (!issuerAndFileOk(c, issuer, file)) {
                return 2;
            }
            try (Processor node = offlineNode(c)) {
                BulkEnrollment.Report r;
                try (ProgressLine progress = ProgressLine.onStdout("enroll " + file.getFileName(), ProgressLine.BYTES)) {
                    r = BulkEnrollment.run(file, issuer, node.enrollment(), progress);
                }
                System.out.println(r.describe());
                return r.rejected() == 0 ? 0 : 1;
            }
        }
    }

    /** A command that only groups others: run alone, it shows their usage. */
    abstract static class Group implements Runnable {
        @Override
        public void run() {
            new CommandLine(this).usage(System.out);
        }
    }

    @Command(name = "offers", description = "The offer catalog.", subcommands = {OffersImport.class})
    static final class Offers extends Group {
    }

    @Command(name = "import", description = "Import merchants and offers from a JSON or YAML file: {merchants: [...], offers: [...]}; all or nothing.")
    static final class OffersImport implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @Parameters(index = "0", description = "the catalog file (.json, .yaml or .yml)")
        Path file;

        @Override
        public Integer call() throws Exception {
            AccrueConfig c = config.load();
            try (Processor node = offlineNode(c)) {
                var r = node.catalog().importFile(file);
                System.out.println("imported " + r.merchants() + " merchants and " + r.offers() + " offers");
                return 0;
            } catch (org.accrue.processor.catalog.CatalogException e) {
                System.err.println("accrue: " + file + " refused, nothing imported: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "jobs", description = "The scheduled jobs.", subcommands = {JobsRun.class, JobsList.class})
    static final class JobsCommand extends Group {
    }

    @Command(name = "run", description = "Run one job now, here, against the configured store; prints its summary. "
            + "A node of the cluster running the same job makes this run SKIPPED.")
    static final class JobsRun implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @Parameters(index = "0", description = "the job: ${COMPLETION-CANDIDATES}", completionCandidates = JobNames.class)
        String job;

        @Override
        public Integer call() {
            AccrueConfig c = config.load();
            try (Processor node = offlineNode(c)) {
                var jobs = node.jobs();
                var name = org.accrue.config.JobName.parse(job).filter(jobs::knows);
                if (name.isEmpty()) {
                    System.err.println("accrue: no job " + job + "; jobs are " + org.accrue.config.JobName.ids());
                    return 2;
                }
                org.accrue.processor.jobs.Jobs.Run run;
                try (ProgressLine progress = ProgressLine.onStdout(job, ProgressLine.count(
                        name.get() == org.accrue.config.JobName.POSTING ? "rewards" : "credits"))) {
                    run = jobs.runHere(name.get(), "cli", progress); // only posting and statement-file tell how far
                }
                System.out.println(job + " " + run.status() + " (" + run.runId() + "): " + run.summary());
                return run.status() == org.accrue.processor.jobs.Jobs.RunStatus.SUCCEEDED ? 0 : 1;
            }
        }
    }

    @Command(name = "list", description = "List the jobs, their schedules and last runs.")
    static final class JobsList implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @Override
        public Integer call() {
            AccrueConfig c = config.load();
            try (Processor node = offlineNode(c)) {
                for (var l : node.jobs().list()) {
                    System.out.printf("%-20s %-18s %s%n", l.job().id(), l.schedule(), l.lastRun() == null ? "never run"
                            : l.lastRun().status() + " " + l.lastRun().finishedAt() + ": " + l.lastRun().summary());
                }
                return 0;
            }
        }
    }

    @Command(name = "audit", description = "The audit log of changes.", subcommands = {AuditExport.class})
    static final class Audit extends Group {
    }

    @Command(name = "export", description = "Write the audit log's rows from --from (inclusive) to --to (exclusive) "
            + "to FILE as JSON lines, oldest first (as GET /api/v1/audit).")
    static final class AuditExport implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @Option(names = "--from", description = "ISO 8601 UTC time, e.g. 2026-12-01T00:00:00Z (default: the first row)")
        java.time.Instant from;

        @Option(names = "--to", description = "ISO 8601 UTC time, exclusive (default: the last row)")
        java.time.Instant to;

        @Option(names = "--type", description = "only this resource type: merchant, offer, card, webhook, exception")
        String type;

        @Parameters(index = "0", description = "the file to write (replaced if it exists)")
        Path file;

        @Override
        public Integer call() throws Exception {
            org.accrue.processor.audit.AuditLog.Resource resource = null;
            if (type != null) {
                resource = org.accrue.processor.audit.AuditLog.Resource.parse(type).orElse(null);
                if (resource == null) {
                    System.err.println("accrue: --type must be one of merchant, offer, card, webhook, exception");
                    return 2;
                }
            }
            AccrueConfig c = config.load();
            try (Processor node = offlineNode(c);
                 var out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
                long n = node.audit().export(from, to, resource, out);
                System.out.println("wrote " + n + " audit rows to " + file);
                return 0;
            }
        }
    }

    @Command(name = "recon", description = "Reconciliation with issuers.", subcommands = {ReconImport.class})
    static final class Recon extends Group {
    }

    @Command(name = "import", description = "Import an issuer's confirmation file (plain or OpenPGP) and apply it; "
            + "a bad file is rejected whole and raised for ops.")
    static final class ReconImport implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @Option(names = "--issuer", required = true, description = "the issuer the file comes from")
        String issuer;

        @Parameters(index = "0", description = "the confirmation file")
        Path file;

        @Override
        public Integer call() throws Exception {
            AccrueConfig c = config.load();
            if (!issuerAndFileOk(c, issuer, file)) {
                return 2;
            }
            try (Processor node = offlineNode(c);
                 var in = Files.newInputStream(file)) {
                var imports = node.operations().imports();
                String importId = imports.receive(issuer, in, "CLI", file.getFileName().toString(), "cli");
                org.accrue.processor.confirmations.ConfirmationImports.Import i;
                try (ProgressLine progress = ProgressLine.onStdout("import " + file.getFileName(), ProgressLine.BYTES)) {
                    i = imports.process(importId, progress);
                }
                System.out.println(i.importId() + " " + i.status() + (i.reason() == null ? "" : " " + i.reason() + ": "
                        + i.detail()) + (i.outcomes() == null ? "" : " outcomes " + i.outcomes()));
                return i.status() == org.accrue.processor.confirmations.ConfirmationImports.Status.APPLIED ? 0 : 1;
            }
        }
    }

    /**
     * The node a command works with: the configured store and the services, started through the same wiring as
     * `serve`, with nothing that serves or works on its own (jobs run only when the command asks).
     */
    static Processor offlineNode(AccrueConfig c) {
        return Processor.builder(c).offline().start();
    }

    /** A command on one issuer's file: both must exist, or it says which does not. */
    static boolean issuerAndFileOk(AccrueConfig c, String issuer, Path file) {
        if (!c.issuers().containsKey(issuer)) {
            System.err.println("accrue: unknown issuer " + issuer + "; configured: " + c.issuers().keySet());
            return false;
        }
        if (!Files.isReadable(file)) {
            System.err.println("accrue: cannot read " + file);
            return false;
        }
        return true;
    }

    /** The job names picocli completes and lists: JobName's ids. */
    static final class JobNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return org.accrue.config.JobName.ids().iterator();
        }
    }

    @Command(name = "new-api-key", description = "Make a random API key; prints the key once and the lines for the configuration (which keeps only its hash).")
    static final class NewApiKey implements Callable<Integer> {
        @Option(names = "--name", required = true) String name;
        @Option(names = "--role", required = true, description = "issuer, ops or admin") String role;
        @Option(names = "--issuer", description = "for role issuer: the issuer id") String issuer;

        @Override
        public Integer call() {
            String key = newApiKey();
            System.out.println("# API key (shown once, give it to its holder): " + key);
            System.out.println("accrue.api-key." + name + ".sha256=" + ApiKeys.sha256Hex(key));
            System.out.println("accrue.api-key." + name + ".role=" + role);
            if (issuer != null) {
                System.out.println("accrue.api-key." + name + ".issuer=" + issuer);
            }
            return 0;
        }
    }

    @Command(name = "new-pan-key", description = "Write a random 256-bit PAN token key to a file readable only by its owner.")
    static final class NewPanKey implements Callable<Integer> {
        @Option(names = "--version", required = true, description = "the key version, 1..32767") int version;
        @Parameters(index = "0", description = "the key file to create") Path file;

        @Override
        public Integer call() throws Exception {
            if (Files.exists(file)) {
                System.err.println("accrue: " + file + " exists; not overwriting a key");
                return 2;
            }
            writePanKey(file);
            System.out.println("accrue.pan.key." + version + "=file:" + file.toAbsolutePath());
            return 0;
        }
    }

    /** A random API key ("acr_" and 32 letters); the configuration keeps only {@code ApiKeys.sha256Hex} of it. */
    static String newApiKey() {
        return Ids.secret("acr");
    }

    /** Creates {@code file} readable and writable by its owner only (0600), holding a random 256-bit key in base64. */
    static void writePanKey(Path file) throws java.io.IOException {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, Base64.getEncoder().encodeToString(b) + "\n");
    }
}
