package dev.nanogen.gateway.admin;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The reconcile CLI: {@code java -jar api-gateway.jar --spring.profiles.active=reconcile} (or
 * {@code infra/bin/reconcile}) runs the same reconciliation as {@code GET /api/admin/reconcile}
 * against the configured database, prints the report as JSON and exits 0 when it is clean, 1 when
 * not. The profile turns off the web server, the consumers, the relay and the sweeper.
 */
@Component
@Profile("reconcile")
class ReconcileCommand implements ApplicationRunner, ExitCodeGenerator {
  private final Reconcile reconcile;
  private final JsonMapper json;
  private int exitCode;

  ReconcileCommand(Reconcile reconcile, JsonMapper json) {
    this.reconcile = reconcile;
    this.json = json;
  }

  @Override
  public void run(ApplicationArguments args) {
    Reconcile.Report report = reconcile.run();
    System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    System.out.println(
        report.clean()
            ? "reconcile: clean"
            : "reconcile: "
                + report.usersOutOfBalance().size()
                + " users out of balance, "
                + report.holdsOnTerminalGenerations().size()
                + " holds open on ended generations, "
                + report.paymentsOutOfBalance().size()
                + " payments out of balance");
    exitCode = report.clean() ? 0 : 1;
  }

  @Override
  public int getExitCode() {
    return exitCode;
  }
}
