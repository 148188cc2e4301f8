package org.accrue.processor.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "simulate")
final class SimulateCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 1;
    }
}
