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
 * Once per fire time: a node starting leaves a trigger whose cron is unchanged as
 * it is (replacing it fired again a time another node had just fired), and a
 * scheduled run's job_run row carries its fire time under a unique key, so a
 * fire time that two nodes fire anyway is run by the one that recorded it.
 * Each node has a scheduler instance of its own, also when two nodes share a
 * JVM (JobSchedule.newScheduler, which also wires the triggers).
 *
 * Every run, scheduled or requested, is a job_run row (JobRuns): QUEUED -> RUNNING ->
 * SUCCEEDED | FAILED | SKIPPED (another node held the lock) | ABANDONED (its
 * node died; noticed when the lock is free again).
 */
package org.accrue.processor.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.config.JobName;
import org.accrue.processor.ids.Ids;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class Jobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Jobs.class);
    private static final String CONTEXT_KEY = "accrue.jobs";
    private static final long AWAIT_RECHECK_MS = 200;

    public enum RunStatus { QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED, ABANDONED }

    /** A run as recorded. */
    public record Run(String runId, JobName job, String requestedBy, String node, RunStatus status, String summary,
                      Instant createdAt, Instant startedAt, Instant finishedAt) {
    }

    /** A job as listed: its schedule, next fire time (when the scheduler runs here) and last run. */
    public record Listing(JobName job, String schedule, Instant nextRunAt, Run lastRun) {
    }

    private final DataSource dataSource;
    private final InstantSource clock;
    private final JobRuns runs;
    private final Map<JobName, ScheduledJob> jobs;
    private final Map<JobName, String> schedules;
    private final Scheduler scheduler; // null: this node runs jobs only when asked (CLI, or scheduler disabled)
    private final String node;
    private final Map<String, CompletableFuture<Run>> waiting = new ConcurrentHashMap<>();

    private Jobs(DataSource dataSource, InstantSource clock, Map<JobName, ScheduledJob> jobs, Map<JobName, String> schedules,
                 Scheduler scheduler, String node) {
        this.dataSource = dataSource;
        this.runs = new JobRuns(dataSource);
        this.clock = clock;
        this.jobs = jobs;
        this.schedules = schedules;
        this.scheduler = scheduler;
        this.node = node;
    }

    /** Jobs run in this process only when asked: the CLI's `accrue jobs run`, or nodes with the scheduler off. */
    public static Jobs manual(DataSource ds, InstantSource clock, Map<JobName, ScheduledJob> jobs,
                              Map<JobName, String> schedules) {
        Jobs j = new Jobs(ds, clock, Map.copyOf(jobs), schedules, null, Ids.next("cli"));
        j.abandonOrphans();
        return j;
    }

    /** Starts the clustered Quartz scheduler on the store and (re)schedules every job from configuration. */
    public static Jobs start(DataSource ds, InstantSource clock, AccrueConfig.Jobs config, Map<JobName, ScheduledJob> jobs) {
        try {
            Scheduler s = JobSchedule.newScheduler(ds, config);
            Jobs j = new Jobs(ds, clock, Map.copyOf(jobs), config.crons(), s, s.getSchedulerInstanceId());
            s.getContext().put(CONTEXT_KEY, j);
            j.abandonOrphans();
            JobSchedule.schedule(s, QuartzJob.class, config.crons(), jobs.keySet());
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

    /** Whether this node has the job (every JobName, unless a build leaves one out). */
    public boolean knows(JobName job) {
        return jobs.containsKey(job);
    }

    /**
     * Records a run of {@code jobName} and starts it: through the scheduler (any node of the cluster may take it)
     * or, without a scheduler, on a virtual thread here. Returns the run id at once.
     */
    public String request(JobName job, String requestedBy) {
        if (!jobs.containsKey(job)) {
            throw new IllegalArgumentException("no job " + job);
        }
        String runId = Ids.next("run");
        runs.insert(runId, job, requestedBy, clock.instant());
        if (scheduler != null) {
            try {
                JobDataMap data = new JobDataMap();
                data.put("runId", runId);
                scheduler.triggerJob(JobSchedule.jobKey(job), data);
            } catch (SchedulerException e) {
                finish(runId, RunStatus.FAILED, "the scheduler did not take the run: " + e.getMessage());
                throw new IllegalStateException("the scheduler did not take the run", e);
            }
        } else {
            Thread.ofVirtual().name("accrue-job-" + job.id()).start(() -> execute(job, runId, requestedBy));
        }
        return runId;
    }

    /** Runs a job now on this thread (the CLI) and returns the finished run. */
    public Run runHere(JobName job, String requestedBy) {
        return runHere(job, requestedBy, org.accrue.processor.Progress.NONE);
    }

    /** As runHere, with {@code progress} told how far the job is (the jobs that can say: posting, statement-file). */
    public Run runHere(JobName job, String requestedBy, org.accrue.processor.Progress progress) {
        String runId = Ids.next("run");
        runs.insert(runId, job, requestedBy, clock.instant());
        execute(job, runId, requestedBy, progress);
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
    public Run runAndWait(JobName job, String requestedBy, long timeoutMs) throws TimeoutException, InterruptedException {
        return await(request(job, requestedBy), timeoutMs);
    }

    /** Quartz's entry: one class for every job; the job's name is the JobDetail's. */
    @DisallowConcurrentExecution
    public static final class QuartzJob implements Job {
        @Override
        public void execute(JobExecutionContext context) throws JobExecutionException {
            try {
                Jobs jobs = (Jobs) context.getScheduler().getContext().get(CONTEXT_KEY);
                JobName job = JobName.parse(context.getJobDetail().getKey().getName()).orElseThrow(() ->
                        new JobExecutionException("Quartz fired a job this build does not have: "
                                + context.getJobDetail().getKey().getName()));
                String runId = context.getMergedJobDataMap().getString("runId");
                String by = context.isRecovering() ? "recovery" : "schedule";
                if (runId == null && !context.isRecovering() && context.getScheduledFireTime() != null) {
                    // A fire time of the schedule: one run per fire time, whichever node fires it (uk_job_run_fire).
                    runId = Ids.next("run");
                    Instant fireTime = context.getScheduledFireTime().toInstant();
                    if (!jobs.runs.insertScheduled(runId, job, jobs.clock.instant(), fireTime)) {
                        log.info("job {} fire time {} already run by another node; not run here", job, fireTime);
                        return;
                    }
                    jobs.execute(job, runId, by);
                    return;
                }
                if (runId == null || context.isRecovering()) {
                    if (runId != null) {
                        jobs.finish(runId, RunStatus.ABANDONED, "its node stopped mid-run; recovered by " + jobs.node);
                    }
                    runId = Ids.next("run");
                    jobs.runs.insert(runId, job, by, jobs.clock.instant());
                }
                jobs.execute(job, runId, by);
            } catch (SchedulerException e) {
                throw new JobExecutionException(e);
            }
        }
    }

    void execute(JobName job, String runId, String requestedBy) {
        execute(job, runId, requestedBy, org.accrue.processor.Progress.NONE);
    }

    private void execute(JobName job, String runId, String requestedBy, org.accrue.processor.Progress progress) {
        ScheduledJob work = jobs.get(job);
        try (Connection lock = dataSource.getConnection()) {
            if (!JobRuns.acquire(lock, job)) {
                finish(runId, RunStatus.SKIPPED, "already running on another node");
                return;
            }
            try {
                Instant started = clock.instant();
                runs.markRunning(runId, node, started);
                String summary = work.run(new ScheduledJob.RunContext(runId, job, requestedBy, started, progress));
                finish(runId, RunStatus.SUCCEEDED, summary);
                log.info("job {} run {} done: {}", job, runId, summary);
            } catch (Exception e) {
                log.warn("job {} run {} failed: {}", job, runId, e.toString());
                finish(runId, RunStatus.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
            } finally {
                release(lock, job);
            }
        } catch (SQLException e) {
            log.warn("job {} run {}: store unavailable: {}", job, runId, e.toString());
            finishQuietly(runId, e);
        }
    }

    private static void release(Connection c, JobName job) {
        try {
            JobRuns.release(c, job);
        } catch (SQLException e) {
            log.warn("could not release the lock of job {}: {}", job, e.toString()); // dropped with the connection
        }
    }

    /** Runs left RUNNING or QUEUED by a node that died: abandoned once nobody holds their job's lock. */
    private void abandonOrphans() {
        try {
            for (JobRuns.Running o : runs.orphans()) {
                finish(o.runId(), RunStatus.ABANDONED, "its node stopped mid-run; the next run finishes the work");
            }
        } catch (SQLException e) {
            log.warn("could not look for abandoned job runs: {}", e.toString());
        }
    }

    private void finish(String runId, RunStatus status, String summary) {
        runs.finish(runId, status, summary, node, clock.instant());
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
        return runs.run(runId);
    }

    /** The latest runs, newest first, of one job or (job null) all. */
    public List<Run> runs(JobName job) {
        return runs.runs(job);
    }

    /** Every job with its schedule, next fire time and last run, in JobName's order. */
    public List<Listing> list() {
        List<Listing> out = new ArrayList<>();
        Map<JobName, Run> last = new EnumMap<>(JobName.class);
        for (Run r : runs.runs(null)) {
            last.putIfAbsent(r.job(), r);
        }
        for (JobName job : JobName.values()) {
            if (!jobs.containsKey(job)) {
                continue;
            }
            Instant next = null;
            if (scheduler != null) {
                try {
                    Trigger t = scheduler.getTrigger(JobSchedule.triggerKey(job));
                    Date d = t == null ? null : t.getNextFireTime();
                    next = d == null ? null : d.toInstant();
                } catch (SchedulerException e) {
                    log.warn("could not read the trigger of {}: {}", job, e.toString());
                }
            }
            String cron = schedules.getOrDefault(job, "-");
            if (next == null && scheduler == null && !cron.equals("-")) {
                next = JobSchedule.nextOf(cron, clock.instant()); // an offline node (CLI, a node without the scheduler): when the schedule fires next
            }
            Run lastRun = last.get(job);
            if (lastRun == null) {
                List<Run> r = runs.runs(job);
                lastRun = r.isEmpty() ? null : r.getFirst();
            }
            out.add(new Listing(job, cron, next, lastRun));
        }
        return out;
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
}
