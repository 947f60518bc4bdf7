import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Runs Neo4j Community as an embedded DBMS with its Bolt connector, so that Rapport can use a
 * real Neo4j server on machines without Docker or the server tarball.
 *
 * Usage: java -Xmx1g -cp CLASSPATH RapportNeo4j HOME_DIR CONF_FILE
 * The initial password of user `neo4j` is read from the RAPPORT_NEO4J_PASSWORD environment
 * variable (never from argv, which other users can read). A JVM shutdown hook stops the DBMS
 * cleanly on SIGTERM/SIGINT so that all data is flushed.
 */
public final class RapportNeo4j {
    private RapportNeo4j() {}

    /**
     * Sets the password of `neo4j` only on a fresh store (while a change is still required), so
     * the password chosen when the data directory was created stays fixed afterwards.
     */
    private static void setInitialPassword(DatabaseManagementService dbms, String password) {
        if (password == null || password.isEmpty()) {
            return;
        }
        boolean changeRequired = dbms.database("system").executeTransactionally(
                "SHOW USERS YIELD user, passwordChangeRequired "
                        + "WHERE user = 'neo4j' RETURN passwordChangeRequired",
                Map.of(),
                result -> result.hasNext() && Boolean.TRUE.equals(result.next().get("passwordChangeRequired")));
        if (changeRequired) {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: RapportNeo4j HOME_DIR CONF_FILE");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path conf = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(home);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .loadPropertiesFromFile(conf)
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("rapport-neo4j: shutting down");
            dbms.shutdown();
            stopped.countDown();
        }, "rapport-neo4j-shutdown"));

        try {
            setInitialPassword(dbms, System.getenv("RAPPORT_NEO4J_PASSWORD"));
        } catch (RuntimeException e) {
            System.err.println("rapport-neo4j: failed to set the initial password: " + e.getMessage());
            System.exit(1); // runs the shutdown hook, which stops the DBMS cleanly
        }
        System.out.println("rapport-neo4j: ready");
        System.out.flush();
        stopped.await();
    }
}
