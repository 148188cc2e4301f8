/*
 * The scheduled jobs of a node: Quartz 2.5 with the JDBC JobStore on the
 * processor's MariaDB, clustered, one unique instance id per node. Every job
 * is a durable, non-concurrent JobDetail that requests recovery, so a node
 * that dies mid-run has its run re-fired by a surviving node.
 *
 * Two guards keep a job from running twice at once anywhere: Quartz's
 * cluster-wide @DisallowConcurrentExecution, and a MariaDB named lock
 * (GET_LOCK) per job held on its own connection for the whole run. The lock
 * also covers `accrue jobs run` from the CLI (which runs without a
 * scheduler) and is released by the server when a killed node's connection
 * drops. The jobs themselves are idempotent: whatever a killed run committed
 * stays done, the rest is done by the next run.
 *
 * Every run, scheduled or requested, is a job_run row: QUEUED -> RUNNING ->
 * SUCCEEDED | FAILED | SKIPPED (another node held the lock) | ABANDONED (its
 * node died; noticed when the lock is free again).
 */
package org.accrue.processor.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import org.accrue.processor.ids.Ids;
import org.accrue.config.AccrueConfig;
import org.accrue.processor.store.Sql;
import org.quartz.CronScheduleBuilder;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class Jobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Jobs.class);
    private static final String GROUP = "accrue";
    private static final String SCHEDULER_NAME = "accrue";
    private static final String CONTEXT_KEY = "accrue.jobs";
    private static final int SUMMARY_CHARS_MAX = 2000;
    private static final int RUNS_LISTED_MAX = 50;
    private static final long AWAIT_RECHECK_MS = 200;

    public enum RunStatus { QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED, ABANDONED }

    /** A run as recorded. */
    public record Run(String runId, String jobName, String requestedBy, String node, RunStatus status, String summary,
                      Instant createdAt, Instant startedAt, Instant finishedAt) {
    }

    /** A job as listed: its schedule, next fire time (when the scheduler runs here) and last run. */
    public record Listing(String name, String schedule, Instant nextRunAt, Run lastRun) {
    }

    private final DataSource dataSource;
    private final InstantSource clock;
    private final Map<String, ScheduledJob> jobs;
    private final Map<String, String> schedules;
    private final Scheduler scheduler; // null: this node runs jobs only when asked (CLI, or scheduler disabled)
    private final String node;
    private final Map<String, CompletableFuture<Run>> waiting = new ConcurrentHashMap<>();

    private Jobs(DataSource dataSource, InstantSource clock, Map<String, ScheduledJob> jobs, Map<String, String> schedules,
                 Scheduler scheduler, String node) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.jobs = jobs;
        this.schedules = schedules;
        this.scheduler = scheduler;
        this.node = node;
    }

    /** Jobs run in this process only when asked: the CLI's `accrue jobs run`, or nodes with the scheduler off. */
    public static Jobs manual(DataSource ds, InstantSource clock, Map<String, ScheduledJob> jobs, Map<String, String> schedules) {
        Jobs j = new Jobs(ds, clock, Map.copyOf(jobs), schedules, null, Ids.next("cli"));
        j.abandonOrphans();
        return j;
    }

    /** Starts the clustered Quartz scheduler on the store and (re)schedules every job from configuration. */
    public static Jobs start(DataSource ds, InstantSource clock, AccrueConfig.Jobs config, Map<String, ScheduledJob> jobs) {
        String providerName = Ids.next("accrue");
        DBConnectionManager.getInstance().addConnectionProvider(providerName, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return ds.getConnection();
            }

            @Override
            public void shutdown() {
                // the store owns the pool
            }

            @Override
            public void initialize() {
                // the pool is already up
            }
        });
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", SCHEDULER_NAME);
        p.setProperty("org.quartz.scheduler.instanceId", config.instanceId().equals("AUTO") ? autoInstanceId()
                : config.instanceId());
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(config.threads()));
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "accrue-job");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", providerName);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        try {
            Scheduler s = new StdSchedulerFactory(p).getScheduler();
            Jobs j = new Jobs(ds, clock, Map.copyOf(jobs), config.crons(), s, s.getSchedulerInstanceId());
            s.getContext().put(CONTEXT_KEY, j);
            j.abandonOrphans();
            for (String name : jobs.keySet()) {
                JobDetail detail = JobBuilder.newJob(QuartzJob.class).withIdentity(name, GROUP).storeDurably()
                        .requestRecovery().withDescription("accrue " + name).build();
                s.addJob(detail, true);
                TriggerKey tk = TriggerKey.triggerKey(name + "-schedule", GROUP);
                String cron = config.crons().get(name);
                if (cron == null || cron.equals("-")) {
                    s.unscheduleJob(tk);
                    continue;
                }
                Trigger t = TriggerBuilder.newTrigger().withIdentity(tk).forJob(detail)
                        .withSchedule(CronScheduleBuilder.cronSchedule(cron).inTimeZone(java.util.TimeZone.getTimeZone("UTC"))
                                .withMisfireHandlingInstructionFireAndProceed())
                        .build();
                if (s.checkExists(tk)) {
                    s.rescheduleJob(tk, t);
                } else {
                    try {
                        s.scheduleJob(t);
                    } catch (org.quartz.ObjectAlreadyExistsException raced) {
                        s.rescheduleJob(tk, t); // another node scheduled it at the same moment
                    }
                }
            }
            s.start();
            log.info("scheduler up: instance {}, {} jobs", j.node, jobs.size());
            return j;
        } catch (SchedulerException e) {
            throw new IllegalStateException("the job scheduler did not start: " + e.getMessage(), e);
        }
    }

    public boolean isRunning() {
        try {
            return scheduler == null || (scheduler.isStarted() && !scheduler.isShutdown());
        } catch (SchedulerException e) {
            return false;
        }
    }

    public String node() {
        return node;
    }

    public boolean knows(String jobName) {
        return jobs.containsKey(jobName);
    }

    /**
     * Records a run of {@code jobName} and starts it: through the scheduler (any node of the cluster may take it)
     * or, without a scheduler, on a virtual thread here. Returns the run id at once.
     */
    public String request(String jobName, String requestedBy) {
        if (!jobs.containsKey(jobName)) {
            throw new IllegalArgumentException("no job " + jobName);
        }
        String runId = Ids.next("run");
        insertRun(runId, jobName, requestedBy);
        if (scheduler != null) {
            try {
                JobDataMap data = new JobDataMap();
                data.put("runId", runId);
                scheduler.triggerJob(JobKey.jobKey(jobName, GROUP), data);
            } catch (SchedulerException e) {
                finish(runId, RunStatus.FAILED, "the scheduler did not take the run: " + e.getMessage());
                throw new IllegalStateException("the scheduler did not take the run", e);
            }
        } else {
            Thread.ofVirtual().name("accrue-job-" + jobName).start(() -> execute(jobName, runId, requestedBy));
        }
        return runId;
    }

    /** Runs a job now on this thread (the CLI) and returns the finished run. */
    public Run runHere(String jobName, String requestedBy) {
        String runId = Ids.next("run");
        insertRun(runId, jobName, requestedBy);
        execute(jobName, runId, requestedBy);
        return run(runId);
    }

    /**
     * Waits for a run to finish (tests, the demo). A run requested here may be fired by any node of the cluster:
     * when this node runs it, its completion wakes the waiter at once; when another node does, the run's row
     * says so, and it is read between short waits. The timeout only bounds a broken run.
     */
    public Run await(String runId, long timeoutMs) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        CompletableFuture<Run> f = waiting.computeIfAbsent(runId, k -> new CompletableFuture<>());
        try {
            while (true) {
                Run r = run(runId);
                if (r == null) {
                    throw new IllegalArgumentException("no run " + runId);
                }
                if (r.status() != RunStatus.QUEUED && r.status() != RunStatus.RUNNING) {
                    return r;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("run " + runId + " still " + r.status());
                }
                try {
                    return f.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(AWAIT_RECHECK_MS)), TimeUnit.NANOSECONDS);
                } catch (TimeoutException notHere) {
                    // not finished on this node (yet): read the row again
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            waiting.remove(runId);
        }
    }

    /** Requests a run and waits for it. */
    public Run runAndWait(String jobName, String requestedBy, long timeoutMs) throws TimeoutException, InterruptedException {
        return await(request(jobName, requestedBy), timeoutMs);
    }

    /** Quartz's entry: one class for every job; the job's name is the JobDetail's. */
    @DisallowConcurrentExecution
    public static final class QuartzJob implements Job {
        @Override
        public void execute(JobExecutionContext context) throws JobExecutionException {
            try {
                Jobs jobs = (Jobs) context.getScheduler().getContext().get(CONTEXT_KEY);
                String name = context.getJobDetail().getKey().getName();
                String runId = context.getMergedJobDataMap().getString("runId");
                String by = context.isRecovering() ? "recovery" : "schedule";
                if (runId == null || context.isRecovering()) {
                    if (runId != null) {
                        jobs.finish(runId, RunStatus.ABANDONED, "its node stopped mid-run; recovered by " + jobs.node);
                    }
                    runId = Ids.next("run");
                    jobs.insertRun(runId, name, by);
                }
                jobs.execute(name, runId, by);
            } catch (SchedulerException e) {
                throw new JobExecutionException(e);
            }
        }
    }

    void execute(String jobName, String runId, String requestedBy) {
        ScheduledJob job = jobs.get(jobName);
        try (Connection lock = dataSource.getConnection()) {
            if (!acquire(lock, jobName)) {
                finish(runId, RunStatus.SKIPPED, "already running on another node");
                return;
            }
            try {
                Instant started = clock.instant();
                markRunning(runId, started);
                String summary = job.run(new ScheduledJob.RunContext(runId, jobName, requestedBy, started));
                finish(runId, RunStatus.SUCCEEDED, summary);
                log.info("job {} run {} done: {}", jobName, runId, summary);
            } catch (Exception e) {
                log.warn("job {} run {} failed: {}", jobName, runId, e.toString());
                finish(runId, RunStatus.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
            } finally {
                release(lock, jobName);
            }
        } catch (SQLException e) {
            log.warn("job {} run {}: store unavailable: {}", jobName, runId, e.toString());
            finishQuietly(runId, e);
        }
    }

    private static boolean acquire(Connection c, String jobName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select get_lock(?, 0)")) {
            ps.setString(1, lockName(c, jobName));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        }
    }

    private static void release(Connection c, String jobName) {
        try (PreparedStatement ps = c.prepareStatement("select release_lock(?)")) {
            ps.setString(1, lockName(c, jobName));
            ps.executeQuery().close();
        } catch (SQLException e) {
            log.warn("could not release the lock of job {}: {}", jobName, e.toString()); // dropped with the connection
        }
    }

    /** Named locks are server-wide: the database name keeps two deployments on one server apart. */
    private static String lockName(Connection c, String jobName) throws SQLException {
        return "accrue." + c.getCatalog() + ".job." + jobName;
    }

    /** Runs left RUNNING or QUEUED by a node that died: abandoned once nobody holds their job's lock. */
    private void abandonOrphans() {
        try (Connection c = dataSource.getConnection()) {
            List<String[]> orphans = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select run_id, job_name from job_run where status = 'RUNNING'");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    orphans.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] o : orphans) {
                try (PreparedStatement ps = c.prepareStatement("select is_used_lock(?)")) {
                    ps.setString(1, lockName(c, o[1]));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getObject(1) == null) {
                            finish(o[0], RunStatus.ABANDONED, "its node stopped mid-run; the next run finishes the work");
                        }
                    }
                }
            }
        } catch (SQLException e) {
            log.warn("could not look for abandoned job runs: {}", e.toString());
        }
    }

    private void insertRun(String runId, String jobName, String requestedBy) {
        Sql.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into job_run (run_id, job_name, requested_by, status, "
                    + "created_at) values (?, ?, ?, 'QUEUED', ?)")) {
                ps.setString(1, runId);
                ps.setString(2, jobName);
                ps.setString(3, requestedBy.length() > 64 ? requestedBy.substring(0, 64) : requestedBy);
                ps.setTimestamp(4, Sql.ts(clock.instant()));
                return ps.executeUpdate();
            }
        });
    }

    private void markRunning(String runId, Instant at) {
        Sql.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("update job_run set status = 'RUNNING', node = ?, started_at = ? "
                    + "where run_id = ?")) {
                ps.setString(1, node);
                ps.setTimestamp(2, Sql.ts(at));
                ps.setString(3, runId);
                return ps.executeUpdate();
            }
        });
    }

    private void finish(String runId, RunStatus status, String summary) {
        String s = summary == null ? "" : summary;
        Sql.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("update job_run set status = ?, summary = ?, finished_at = ?, "
                    + "node = coalesce(node, ?) where run_id = ?")) {
                ps.setString(1, status.name());
                ps.setString(2, s.length() > SUMMARY_CHARS_MAX ? s.substring(0, SUMMARY_CHARS_MAX) : s);
                ps.setTimestamp(3, Sql.ts(clock.instant()));
                ps.setString(4, node);
                ps.setString(5, runId);
                return ps.executeUpdate();
            }
        });
        CompletableFuture<Run> f = waiting.get(runId);
        if (f != null) {
            f.complete(run(runId));
        }
    }

    private void finishQuietly(String runId, SQLException cause) {
        CompletableFuture<Run> f = waiting.get(runId);
        if (f != null) {
            f.completeExceptionally(cause);
        }
    }

    /** A run by id, or null. */
    public Run run(String runId) {
        return Sql.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(RUN_SELECT + " where run_id = ?")) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? readRun(rs) : null;
                }
            }
        });
    }

    /** The latest runs, newest first, of one job or (name null) all. */
    public List<Run> runs(String jobName) {
        return Sql.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(RUN_SELECT + (jobName == null ? "" : " where job_name = ?")
                    + " order by created_at desc limit " + RUNS_LISTED_MAX)) {
                if (jobName != null) {
                    ps.setString(1, jobName);
                }
                List<Run> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(readRun(rs));
                    }
                }
                return out;
            }
        });
    }

    /** Every job with its schedule, next fire time and last run. */
    public List<Listing> list() {
        List<Listing> out = new ArrayList<>();
        Map<String, Run> last = new LinkedHashMap<>();
        for (Run r : runs(null)) {
            last.putIfAbsent(r.jobName(), r);
        }
        for (String name : AccrueConfig.JOB_NAMES) {
            if (!jobs.containsKey(name)) {
                continue;
            }
            Instant next = null;
            if (scheduler != null) {
                try {
                    Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(name + "-schedule", GROUP));
                    Date d = t == null ? null : t.getNextFireTime();
                    next = d == null ? null : d.toInstant();
                } catch (SchedulerException e) {
                    log.warn("could not read the trigger of {}: {}", name, e.toString());
                }
            }
            Run lastRun = last.get(name);
            if (lastRun == null) {
                List<Run> r = runs(name);
                lastRun = r.isEmpty() ? null : r.getFirst();
            }
            out.add(new Listing(name, schedules.getOrDefault(name, "-"), next, lastRun));
        }
        return out;
    }

    private static final String RUN_SELECT = "select run_id, job_name, requested_by, node, status, summary, created_at, "
            + "started_at, finished_at from job_run";

    private static Run readRun(ResultSet rs) throws SQLException {
        return new Run(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), RunStatus.valueOf(rs.getString(5)),
                rs.getString(6), Sql.instant(rs, 7), Sql.instant(rs, 8), Sql.instant(rs, 9));
    }

    @Override
    public void close() {
        if (scheduler != null) {
            try {
                scheduler.shutdown(true);
            } catch (SchedulerException e) {
                log.warn("scheduler shutdown: {}", e.toString());
            }
        }
    }

    /**
     * A unique instance id for this node: its host name and random letters. Not Quartz's own AUTO (the host name and
     * the time in milliseconds), whose thirteen-digit run in every log line about the scheduler reads like a card
     * number to a scanner looking for leaked PANs.
     */
    static String autoInstanceId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "");
        } catch (java.net.UnknownHostException e) {
            host = "node";
        }
        String letters = Ids.letters(12);
        return (host.isEmpty() ? "node" : host.length() > 60 ? host.substring(0, 60) : host) + "-" + letters;
    }
}
