/*
 * A node refuses a schema newer than it knows: a newer accrue migrated the database (and may write rows this
 * node would misread), so this node stops at start with one line instead of running on it, or of Flyway's
 * validation stack trace. Read from Flyway's info() before migrating: an applied migration that this build has
 * no script for, above its newest script, is "future". An older schema is not refused: migrate() takes it forward.
 */
package org.accrue.processor.store;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

final class SchemaVersion {
    private SchemaVersion() {
    }

    static void checkNotNewer(Flyway flyway) {
        MigrationInfo[] all = flyway.info().all();
        Optional<MigrationInfo> newestApplied = Arrays.stream(all)
                .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED)
                .filter(m -> m.getVersion() != null)
                .max(Comparator.comparing(MigrationInfo::getVersion));
        if (newestApplied.isEmpty()) {
            return;
        }
        String known = Arrays.stream(all)
                .filter(m -> m.getState().isResolved() && m.getVersion() != null)
                .max(Comparator.comparing(MigrationInfo::getVersion))
                .map(m -> m.getVersion().getVersion()).orElse("none");
        throw new StoreStartException("the database schema is at version " + newestApplied.get().getVersion().getVersion()
                + ", newer than this node knows (its newest migration is V" + known + "): a newer accrue migrated "
                + "it; run that version of accrue or a newer one (an older node never runs on a newer schema)");
    }
}
