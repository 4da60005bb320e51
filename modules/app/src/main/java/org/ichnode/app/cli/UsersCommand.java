package org.ichnode.app.cli;

import org.ichnode.node.config.Keys;
import org.ichnode.node.HttpUsers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code ./ichnode users add NAME --role viewer|operator [--file F]}: a dashboard/HTTP user with a hashed password. */
public final class UsersCommand {

    public int run(List<String> rest) throws Exception {
        if (rest.size() < 2 || !rest.get(0).equals("add") || rest.get(1).startsWith("--")) {
            System.err.println("ichnode: users add NAME --role viewer|operator [--file F]");
            return 2;
        }
        String name = rest.get(1);
        Args opts = new Args(rest.subList(2, rest.size()));
        String roleText = opts.option("--role");
        Path file = Path.of(opts.option("--file", Keys.find(Keys.HTTP_USERS_FILE).defaultValue()));
        opts.requireNoneLeft();
        if (roleText == null) {
            System.err.println("ichnode: users add needs --role viewer or --role operator");
            return 2;
        }
        HttpUsers.Role role = HttpUsers.Role.valueOf(roleText.toUpperCase(Locale.ROOT));
        char[] password;
        if (System.console() != null) {
            password = System.console().readPassword("password for %s: ", name);
            char[] again = System.console().readPassword("again: ");
            if (!java.util.Arrays.equals(password, again)) {
                System.err.println("ichnode: the passwords differ; nothing changed");
                return 1;
            }
        } else {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        try {
            HttpUsers.add(file, name, role, password);
        } catch (IllegalArgumentException e) {
            System.err.println("ichnode: " + e.getMessage() + "; nothing changed");
            return 1;
        }
        System.out.println("user " + name + " (" + role.name().toLowerCase(Locale.ROOT) + ") in " + file.toAbsolutePath()
                + "; running nodes read it at start");
        return 0;
    }
}
