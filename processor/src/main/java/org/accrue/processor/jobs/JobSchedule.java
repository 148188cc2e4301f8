/*
 * The schedule wiring of Jobs: the node's own Quartz scheduler on the
 * store's pool (JDBC JobStore, clustered, one unique instance id per node),
 * and every job's durable JobDetail and cron trigger in UTC.
 *
 * Once per fire time: a node starting leaves a trigger whose cron is unchanged
 * as it is (replacing it fired again a time another node had just fired).
 * Each node has a scheduler instance of its own, also when two nodes share a
 * JVM (newScheduler).
 */
package org.accrue.processor.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.config.JobName;
import org.accrue.processor.ids.Ids;
import org.quartz.CronScheduleBuilder;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

final class JobSchedule {
    private static final String GROUP = "accrue";
    private static final String SCHEDULER_NAME = "accrue";
    private static final java.util.TimeZone SCHEDULE_ZONE = java.util.TimeZone.getTimeZone("UTC");
    /** Guards Quartz's JVM-wide SchedulerRepository while a node makes its scheduler (newScheduler). */
    private static final Object REPOSITORY = new Object();

    private JobSchedule() {
    }

    static JobKey jobKey(JobName job) {
        return JobKey.jobKey(job.id(), GROUP);
    }

    static TriggerKey triggerKey(JobName job) {
        return TriggerKey.triggerKey(job.id() + "-schedule", GROUP);
    }

    /** This node's clustered scheduler (not started) on the store's pool, configured from {@code config}. */
    static Scheduler newScheduler(DataSource ds, AccrueConfig.Jobs config) throws SchedulerException {
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
        return newScheduler(p);
    }

    /**
     * This node's own scheduler. Quartz keeps schedulers in a JVM-wide SchedulerRepository by name, and the name is the
     * cluster's (QRTZ_ rows are the cluster's by SCHED_NAME), so a second node in one JVM (tests, the bench) would be
     * handed the first node's scheduler, running jobs with the first node's services, or refused. The factory binds
     * the new scheduler under the name; it is unbound at once, under a lock, so each node's is its own instance (its
     * own instance id, threads and context) while all of them are the one clustered scheduler in the store.
     */
    private static Scheduler newScheduler(Properties p) throws SchedulerException {
        synchronized (REPOSITORY) {
            org.quartz.impl.SchedulerRepository repository = org.quartz.impl.SchedulerRepository.getInstance();
            Scheduler s = new StdSchedulerFactory(p).getScheduler();
            if (repository.lookup(SCHEDULER_NAME) == s) {
                repository.remove(SCHEDULER_NAME);
            }
            return s;
        }
    }

    /** Adds every job as a durable JobDetail run by {@code jobClass}, and (re)schedules it on its cron ("-": none). */
    static void schedule(Scheduler s, Class<? extends Job> jobClass, Map<JobName, String> crons, Set<JobName> jobs)
            throws SchedulerException {
        for (JobName job : jobs) {
            JobDetail detail = JobBuilder.newJob(jobClass).withIdentity(jobKey(job)).storeDurably()
                    .requestRecovery().withDescription("accrue " + job.id()).build();
            s.addJob(detail, true);
            TriggerKey tk = triggerKey(job);
            String cron = crons.get(job);
            if (cron == null || cron.equals("-")) {
                s.unscheduleJob(tk);
                continue;
            }
            Trigger t = TriggerBuilder.newTrigger().withIdentity(tk).forJob(detail)
                    .withSchedule(CronScheduleBuilder.cronSchedule(cron).inTimeZone(SCHEDULE_ZONE)
                            .withMisfireHandlingInstructionFireAndProceed())
                    .build();
            Trigger stored = s.getTrigger(tk);
            if (stored != null && sameSchedule(stored, cron, detail.getKey())) {
                // Left alone: replacing it recomputes its next fire time from now, which fires again a time
                // another node fired a moment ago (or skips one it had acquired). Every node starts this way.
                continue;
            }
            if (stored != null) {
                s.rescheduleJob(tk, t);
            } else {
                try {
                    s.scheduleJob(t);
                } catch (org.quartz.ObjectAlreadyExistsException raced) {
                    // another node scheduled it at the same moment: theirs stays unless the schedule differs
                    Trigger theirs = s.getTrigger(tk);
                    if (theirs == null || !sameSchedule(theirs, cron, detail.getKey())) {
                        s.rescheduleJob(tk, t);
                    }
                }
            }
        }
    }

    /** Whether a stored trigger already fires the job on this cron in UTC (then it is kept as it is). */
    private static boolean sameSchedule(Trigger stored, String cron, JobKey job) {
        return stored instanceof org.quartz.CronTrigger ct && cron.equals(ct.getCronExpression())
                && ct.getTimeZone() != null && SCHEDULE_ZONE.getID().equals(ct.getTimeZone().getID())
                && job.equals(stored.getJobKey());
    }

    /** The next fire time of a Quartz cron expression in the schedule's zone after now, or null when it never fires again. */
    static Instant nextOf(String cron, Instant now) {
        try {
            org.quartz.CronExpression e = new org.quartz.CronExpression(cron);
            e.setTimeZone(SCHEDULE_ZONE);
            Date d = e.getNextValidTimeAfter(Date.from(now));
            return d == null ? null : d.toInstant();
        } catch (java.text.ParseException e) {
            throw new IllegalStateException("a validated schedule does not parse: " + cron, e);
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
