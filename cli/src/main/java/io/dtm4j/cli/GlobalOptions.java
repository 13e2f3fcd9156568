package io.dtm4j.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The options every command takes ({@code --server}, {@code --token}, {@code --json}, {@code
 * -h/--help}), taken out of the command line wherever they stand before {@code --}; {@code rest} is
 * the command and its own arguments.
 */
record GlobalOptions(String server, String token, boolean json, boolean help, List<String> rest) {

    static GlobalOptions parse(String... args) {
        String server = null;
        String token = null;
        boolean json = false;
        boolean help = false;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
            switch (name) {
                case "--" -> {
                    rest.addAll(List.of(args).subList(i, args.length)); // the command's Args reads "--" too
                    i = args.length;
                }
                case "--server", "--token" -> {
                    String value;
                    if (eq > 0) {
                        value = a.substring(eq + 1);
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    } else {
                        throw Failure.usage("option " + name + " needs a value");
                    }
                    if (name.equals("--server")) {
                        server = value;
                    } else {
                        token = value;
                    }
                }
                case "--json" -> json = true;
                case "-h", "--help" -> help = true;
                default -> rest.add(a);
            }
        }
        return new GlobalOptions(server, token, json, help, rest);
    }
}
