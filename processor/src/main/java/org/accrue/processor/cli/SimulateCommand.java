package org.accrue.processor.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.accrue.iso8583.simulator.IssuerSimulator;
import org.accrue.iso8583.simulator.SimulationReport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "simulate", description = "Drive a realistic issuer stream against any ISO 8583 listener and report the answers.")
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1") String host;
    @Option(names = "--port", defaultValue = "8583") int port;
    @Option(names = "--connections", defaultValue = "4") int connections;
    @Option(names = "--in-flight", defaultValue = "4", description = "purchases in flight per connection") int inFlight;
    @Option(names = "--purchases", defaultValue = "500") int purchases;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--pans-file", required = true, description = "enrolled PANs, one per line (the file is read, never printed)") Path pansFile;
    @Option(names = "--other-pans-file", description = "PANs not enrolled, one per line") Path otherPansFile;
    @Option(names = "--bad-messages", description = "also send a missing DE4 (30), an 0300 (12) and a conflicting duplicate (94)") boolean bad;

    @Override
    public Integer call() throws Exception {
        IssuerSimulator.Options o = IssuerSimulator.Options.of(host, port, read(pansFile))
                .withConnections(connections).withInFlight(inFlight).withPurchases(purchases).withSeed(seed)
                .withOtherPans(otherPansFile == null ? List.of() : read(otherPansFile)).withBadMessages(bad);
        SimulationReport r = IssuerSimulator.run(o);
        System.out.print(r.describe());
        return r.allAsExpected() ? 0 : 1;
    }

    private static List<String> read(Path f) throws java.io.IOException {
        return Files.readAllLines(f).stream().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
    }
}
