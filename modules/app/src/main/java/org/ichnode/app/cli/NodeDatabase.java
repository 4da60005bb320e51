package org.ichnode.app.cli;

import org.ichnode.node.config.Keys;
import org.ichnode.node.config.Settings;
import org.ichnode.store.Database;

import java.nio.file.Path;

/** The node's configuration ({@code --config FILE}, {@code ICHNODE_*}, {@code --set key=value}, as for serve) and its database. */
final class NodeDatabase {
    private NodeDatabase() {}

    static Settings settings(Args args) {
        String config = args.option("--config");
        return Settings.load(config == null ? null : Path.of(config), System.getenv(), args.repeated("--set"));
    }

    /** A small pool: a command needs one or two connections. */
    static Database open(Settings settings) {
        try {
            return Database.open(settings.get(Keys.DB_URL), settings.get(Keys.DB_USER), settings.get(Keys.DB_PASSWORD), 2);
        } catch (RuntimeException e) {
            String hint = settings.get(Keys.DB_URL).startsWith("jdbc:h2:")
                    ? " (the embedded H2 database can be open in one process only: with a node running, use its HTTP port, e.g."
                    + " curl -X POST http://127.0.0.1:" + settings.get(Keys.HTTP_PORT) + "/retrain, or stop it first)"
                    : "";
            throw new IllegalArgumentException("cannot open the database " + settings.get(Keys.DB_URL).replaceAll("[?;].*", "")
                    + ": " + rootMessage(e) + hint, e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage().lines().findFirst().orElse("");
    }
}
