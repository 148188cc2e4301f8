package org.accrue.processor.cli;

import java.io.PrintWriter;

/** Runs the `accrue` command line as main does (its exit code), for tests of other packages. */
public final class AccrueCliAccess {
    private AccrueCliAccess() {
    }

    public static int execute(PrintWriter err, String... args) {
        return AccrueCli.commandLine().setErr(err).execute(args);
    }
}
