package io.dtm4j.faults.store;

/** Makes the store instance a run asks for by name, as {@code --store} spells it. */
public final class StoreInstances {
    private StoreInstances() {}

    /** Returns a new, unstarted instance of {@code embedded}, {@code postgres}, {@code mysql} or {@code redis}. */
    public static StoreInstance of(String name) {
        return switch (name) {
            case "embedded" -> new EmbeddedStore();
            case "postgres" -> new PrivatePostgres();
            case "mysql" -> new PrivateMariaDb();
            case "redis" -> new PrivateRedis();
            default ->
                throw new IllegalArgumentException(
                        "unknown store '" + name + "': expected embedded, postgres, mysql or redis");
        };
    }
}
