/*
 * Raw configuration: a flat map of "accrue.*" keys merged from, in rising
 * precedence, the defaults, a properties file, environment variables
 * (ACCRUE_ISO_PORT -> accrue.iso.port) and system properties. Typed access
 * methods fail with a message naming the key. Every key read is remembered so
 * that AccrueConfig can reject keys nobody reads (typos fail fast).
 */
package org.accrue.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

public final class Settings {
    static final String PREFIX = "accrue.";

    private final Map<String, String> values;
    private final Set<String> read = new TreeSet<>();
    private final Function<String, String> env;

    private Settings(Map<String, String> values, Function<String, String> env) {
        this.values = values;
        this.env = env;
    }

    /** Settings from explicit values only (tests, embedded use). */
    public static Settings of(Map<String, String> values) {
        return new Settings(new TreeMap<>(values), System::getenv);
    }

    /** Settings from a properties file (optional), then environment, then system properties. */
    public static Settings load(Path file) {
        Map<String, String> merged = new TreeMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> merged.put(k, p.getProperty(k).trim()));
        }
        System.getenv().forEach((k, v) -> {
            // ACCRUE_JAVA_OPTS and ACCRUE_BENCH_JAVA_OPTS are the launcher's (JVM options), not configuration.
            if (k.startsWith("ACCRUE_") && !k.startsWith("ACCRUE_JAVA") && !k.equals("ACCRUE_BENCH_JAVA_OPTS")) {
                merged.put(keyOfVariable(k), v.trim());
            }
        });
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith(PREFIX))
                .forEach(k -> merged.put(k, System.getProperty(k).trim()));
        return new Settings(merged, System::getenv);
    }

    /**
     * The key an environment variable names: lower case, "__" for "-", "_" for "." (ACCRUE_STORE_POOL__SIZE__MAX is
     * accrue.store.pool-size-max): variable names hold neither dots nor dashes.
     */
    static String keyOfVariable(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).replace("__", "-").replace('_', '.');
    }

    public Settings with(String key, String value) {
        Map<String, String> copy = new TreeMap<>(values);
        copy.put(key, value);
        return new Settings(copy, env);
    }

    public String string(String key, String defaultValue) {
        read.add(key);
        String v = values.get(key);
        return v == null || v.isEmpty() ? defaultValue : v;
    }

    public String required(String key) {
        String v = string(key, null);
        if (v == null) {
            throw new ConfigException(key + " is required");
        }
        return v;
    }

    public int integer(String key, int defaultValue, int min, int max) {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, was '" + v + "'");
        }
        if (n < min || n > max) {
            throw new ConfigException(key + " must be between " + min + " and " + max + ", was " + n);
        }
        return n;
    }

    public boolean bool(String key, boolean defaultValue) {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        return switch (v.toLowerCase()) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(key + " must be true or false, was '" + v + "'");
        };
    }

    public <E extends Enum<E>> E choice(String key, E defaultValue) {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Enum.valueOf(defaultValue.getDeclaringClass(), v.toUpperCase().replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " must be one of " + java.util.Arrays.toString(
                    defaultValue.getDeclaringClass().getEnumConstants()).toLowerCase() + ", was '" + v + "'");
        }
    }

    /**
     * A secret: never a literal in a file. {@code env:NAME} reads an environment
     * variable, {@code file:PATH} reads a file, {@code base64:...} is accepted only
     * when set programmatically (tests, demo). The value is base64 bytes.
     */
    public byte[] secret(String key) {
        String v = required(key);
        String b64;
        if (v.startsWith("env:")) {
            b64 = env.apply(v.substring(4));
            if (b64 == null) {
                throw new ConfigException(key + " names environment variable " + v.substring(4) + ", which is not set");
            }
        } else if (v.startsWith("file:")) {
            try {
                b64 = Files.readString(Path.of(v.substring(5))).trim();
            } catch (IOException e) {
                throw new ConfigException(key + " names a key file that cannot be read: " + v.substring(5));
            }
        } else if (v.startsWith("base64:")) {
            b64 = v.substring(7);
        } else {
            throw new ConfigException(key + " must be env:NAME, file:PATH or base64:VALUE");
        }
        try {
            return Base64.getDecoder().decode(b64.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " is not valid base64");
        }
    }

    /**
     * A secret that is text, such as a database password: {@code env:NAME} reads an environment variable,
     * {@code file:PATH} a file (its content, trailing line end removed); anything else is the value itself (kept for
     * configurations written before the indirection; a file then holds the secret, which the README advises against).
     */
    public String secretText(String key, String defaultValue) {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        if (v.startsWith("env:")) {
            String value = env.apply(v.substring(4));
            if (value == null) {
                throw new ConfigException(key + " names environment variable " + v.substring(4) + ", which is not set");
            }
            return value;
        }
        if (v.startsWith("file:")) {
            try {
                return Files.readString(Path.of(v.substring(5))).stripTrailing();
            } catch (IOException e) {
                throw new ConfigException(key + " names a file that cannot be read: " + v.substring(5));
            }
        }
        return v;
    }

    /** Keys under a prefix, e.g. children("accrue.issuer.") -> {"BANK1", ...} (first segment). */
    public Set<String> children(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String k : values.keySet()) {
            if (k.startsWith(prefix)) {
                String rest = k.substring(prefix.length());
                int dot = rest.indexOf('.');
                out.add(dot < 0 ? rest : rest.substring(0, dot));
            }
        }
        return out;
    }

    /** Keys that were given but never read: typos, or settings of a removed feature. */
    Set<String> unread() {
        Set<String> out = new TreeSet<>(values.keySet());
        out.removeAll(read);
        out.removeIf(k -> !k.startsWith(PREFIX));
        return out;
    }
}
