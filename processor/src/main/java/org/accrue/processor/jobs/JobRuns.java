/*
 * The job_run table, its one owner: every run, scheduled or requested, is a
 * row QUEUED -> RUNNING -> SUCCEEDED | FAILED | SKIPPED | ABANDONED (a
 * scheduled one with the fire time it was for, one row per fire time), read
 * back as a typed Run (the job a JobName, the status a RunStatus). Jobs
 * decides when a run moves; this class only records it. The named lock that
 * keeps a job to one run at a time across the cluster lives here too, since
 * an orphaned RUNNING row is told apart from a live one by that lock.
 */
package org.accrue.processor.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.accrue.config.JobName;
import org.accrue.processor.jobs.Jobs.Run;
import org.accrue.processor.jobs.Jobs.RunStatus;
import org.accrue.processor.store.Sql;

final class JobRuns {
    private static final int SUMMARY_CHARS_MAX = 2000;
    private static final int REQUESTED_BY_CHARS_MAX = 64;
    private static final int RUNS_LISTED_MAX = 50;
    private static final String RUN_SELECT = "select run_id, job_name, requested_by, node, status, summary, created_at, "
            + "started_at, finished_at from job_run";

    /** A run left RUNNING: its id and job. */
    record Running(String runId, JobName job) {
    }

    private final DataSource ds;

    JobRuns(DataSource ds) {
        this.ds = ds;
    }

    void insert(String runId, JobName job, String requestedBy, Instant at) {
        insert(runId, job, requestedBy, at, null);
    }

    /**
     * Records the run of a schedule's fire time, unless a run of that fire time is recorded already (another node fired
     * it too: uk_job_run_fire, V18); false then, and this node must not run it.
     */
    boolean insertScheduled(String runId, JobName job, Instant at, Instant scheduledFor) {
        try {
            insert(runId, job, "schedule", at, java.util.Objects.requireNonNull(scheduledFor, "scheduledFor"));
            return true;
        } catch (Sql.StoreException e) {
            if (e.getCause() instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                return false;
            }
            throw e;
        }
    }

    private void insert(String runId, JobName job, String requestedBy, Instant at, Instant scheduledFor) {
        Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into job_run (run_id, job_name, requested_by, status, "
                    + "created_at, scheduled_at) values (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, runId);
                ps.setString(2, job.id());
                ps.setString(3, requestedBy.length() > REQUESTED_BY_CHARS_MAX
                        ? requestedBy.substring(0, REQUESTED_BY_CHARS_MAX) : requestedBy);
                ps.setString(4, RunStatus.QUEUED.name());
                ps.setTimestamp(5, Sql.ts(at));
                ps.setTimestamp(6, scheduledFor == null ? null : Sql.ts(scheduledFor));
                return ps.executeUpdate();
            }
        });
    }

    void markRunning(String runId, String node, Instant at) {
        Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("update job_run set status = ?, node = ?, started_at = ? "
                    + "where run_id = ?")) {
                ps.setString(1, RunStatus.RUNNING.name());
                ps.setString(2, node);
                ps.setTimestamp(3, Sql.ts(at));
                ps.setString(4, runId);
                return ps.executeUpdate();
            }
        });
    }

    /** Records how a run ended; a run never started here names this node (the one that gave up on it). */
    void finish(String runId, RunStatus status, String summary, String node, Instant at) {
        String s = summary == null ? "" : summary;
        Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("update job_run set status = ?, summary = ?, finished_at = ?, "
                    + "node = coalesce(node, ?) where run_id = ?")) {
                ps.setString(1, status.name());
                ps.setString(2, s.length() > SUMMARY_CHARS_MAX ? s.substring(0, SUMMARY_CHARS_MAX) : s);
                ps.setTimestamp(3, Sql.ts(at));
                ps.setString(4, node);
                ps.setString(5, runId);
                return ps.executeUpdate();
            }
        });
    }

    /** A run by id, or null. */
    Run run(String runId) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(RUN_SELECT + " where run_id = ?")) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? read(rs) : null;
                }
            }
        });
    }

    /** The latest runs, newest first, of one job or (job null) all. */
    List<Run> runs(JobName job) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(RUN_SELECT + (job == null ? "" : " where job_name = ?")
                    + " order by created_at desc limit " + RUNS_LISTED_MAX)) {
                if (job != null) {
                    ps.setString(1, job.id());
                }
                List<Run> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
                return out;
            }
        });
    }

    /** Runs left RUNNING whose job's lock nobody holds: their node died mid-run. */
    List<Running> orphans() throws SQLException {
        try (Connection c = ds.getConnection()) {
            List<Running> running = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select run_id, job_name from job_run where status = ?")) {
                ps.setString(1, RunStatus.RUNNING.name());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        running.add(new Running(rs.getString(1), job(rs.getString(2))));
                    }
                }
            }
            List<Running> out = new ArrayList<>();
            for (Running r : running) {
                try (PreparedStatement ps = c.prepareStatement("select is_used_lock(?)")) {
                    ps.setString(1, lockName(c, r.job()));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getObject(1) == null) {
                            out.add(r);
                        }
                    }
                }
            }
            return out;
        }
    }

    /** Takes the job's cluster-wide lock on {@code c} if nobody holds it; held until released or {@code c} closes. */
    static boolean acquire(Connection c, JobName job) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select get_lock(?, 0)")) {
            ps.setString(1, lockName(c, job));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        }
    }

    /** Releases the job's lock; on failure the server drops it with the connection. */
    static void release(Connection c, JobName job) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select release_lock(?)")) {
            ps.setString(1, lockName(c, job));
            ps.executeQuery().close();
        }
    }

    /** Named locks are server-wide: the database name keeps two deployments on one server apart. */
    private static String lockName(Connection c, JobName job) throws SQLException {
        return "accrue." + c.getCatalog() + ".job." + job.id();
    }

    private static Run read(ResultSet rs) throws SQLException {
        return new Run(rs.getString(1), job(rs.getString(2)), rs.getString(3), rs.getString(4),
                RunStatus.valueOf(rs.getString(5)), rs.getString(6), Sql.instant(rs, 7), Sql.instant(rs, 8),
                Sql.instant(rs, 9));
    }

    /** A stored job name; every name ever written is a JobName, so another one is a broken row. */
    private static JobName job(String stored) {
        return JobName.parse(stored).orElseThrow(() -> new IllegalStateException("job_run names no job: " + stored));
    }
}
