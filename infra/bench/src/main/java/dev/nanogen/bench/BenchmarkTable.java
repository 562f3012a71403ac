package dev.nanogen.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The goals table of docs/benchmarks.md, written by the benchmarks themselves: each run replaces
 * the rows of the goals it measured with its command, the day, what it saw, its figure, the goal
 * and whether the figure meets it. "met" is computed from the figure and the goal here, never
 * typed; {@code BenchmarksDocTest} recomputes it for every row, so a row edited by hand to claim a
 * goal its figure misses fails the build.
 */
public final class BenchmarkTable {
  /** Which side of the target a figure must be on. */
  public enum Direction {
    AT_LEAST("≥"),
    AT_MOST("≤");

    final String sign;

    Direction(String sign) {
      this.sign = sign;
    }

    static Direction of(String sign) {
      for (Direction direction : values()) {
        if (direction.sign.equals(sign)) {
          return direction;
        }
      }
      throw new IllegalArgumentException("not a goal's direction: " + sign);
    }
  }

  /**
   * A goal: its words (the row's key), which way its figure must lie, the target and the unit the
   * figure is stated in.
   */
  public record Goal(String text, Direction direction, double target, String unit) {
    public boolean metBy(double figure) {
      return direction == Direction.AT_LEAST ? figure >= target : figure <= target;
    }

    public String targetCell() {
      return direction.sign + " " + number(target) + unit;
    }
  }

  public static final Goal LOCAL_STACK_UP =
      new Goal("The local stack is up", Direction.AT_MOST, 90, " s");
  public static final Goal TEST_COMMAND =
      new Goal("The test command on a fresh clone", Direction.AT_MOST, 20, " min");
  public static final Goal OUTBOX_LATENCY =
      new Goal("Outbox: commit-to-broker-ack p99 at 200 starts/s", Direction.AT_MOST, 25, " ms");
  public static final Goal OUTBOX_DRAIN =
      new Goal(
          "Outbox: a backlog (an hour's outage at peak) drains at",
          Direction.AT_LEAST,
          67_000,
          " rows/s");
  public static final Goal OUTBOX_DRAIN_UNDER_LOAD =
      new Goal(
          "Outbox: the same backlog drains, while starts go on at 200/s, at",
          Direction.AT_LEAST,
          67_000,
          " rows/s");
  public static final Goal GATEWAY_RATIO =
      new Goal(
          "Gateway: starts/s against the database's own ceiling (pgbench running the start's"
              + " statements in the same run)",
          Direction.AT_LEAST,
          0.7,
          "");
  public static final Goal GATEWAY_P99 =
      new Goal("Gateway: p99 at half the peak rate", Direction.AT_MOST, 50, " ms");
  public static final Goal REQUEST_BUDGET =
      new Goal(
          "One user (64 clients) gets no more starts than the request budget allows (120 in the"
              + " run)",
          Direction.AT_MOST,
          120,
          " starts");
  public static final Goal WORKER_IN_FLIGHT =
      new Goal(
          "A worker holds videos in flight at once in a 512 MB heap",
          Direction.AT_LEAST,
          20_000,
          " videos");
  public static final Goal NOTIFIER_RATE =
      new Goal(
          "Notifier: messages per second against Telegram's 30, never more in any second, no chat"
              + " above 1/s",
          Direction.AT_LEAST,
          28.5,
          "/s");
  public static final Goal WORKER_TAKEOVER =
      new Goal(
          "A killed worker's videos resume, nothing submitted twice", Direction.AT_MOST, 60, " s");
  public static final Goal NOTIFIER_TAKEOVER =
      new Goal(
          "A killed notifier's chats are served again, each message once",
          Direction.AT_MOST,
          30,
          " s");
  public static final Goal PAYMENTS =
      new Goal(
          "Payments: the pre-checkout p99 with 50 buyers at once, every purchase credited once",
          Direction.AT_MOST,
          1000,
          " ms");
  public static final Goal FILES =
      new Goal(
          "/files: while 12 clients read a 30 MB result slowly, other downloads and HEADs answer"
              + " within",
          Direction.AT_MOST,
          1000,
          " ms");
  public static final Goal EVENTS =
      new Goal("An idle live-events stream costs threads", Direction.AT_MOST, 0, " threads");

  /** A service's start and idle footprint: two goals per service. */
  public static Goal startTime(String service) {
    return new Goal(service + " starts within", Direction.AT_MOST, 5, " s");
  }

  public static Goal idleMemory(String service) {
    return new Goal(service + " idles under (RSS)", Direction.AT_MOST, 300, " MB");
  }

  public static final List<String> SERVICES =
      List.of("api-gateway", "generation-worker", "notifier");

  /** Every goal, in the table's order. */
  public static List<Goal> goals() {
    List<Goal> goals =
        new ArrayList<>(
            List.of(
                LOCAL_STACK_UP,
                TEST_COMMAND,
                OUTBOX_LATENCY,
                OUTBOX_DRAIN,
                OUTBOX_DRAIN_UNDER_LOAD,
                GATEWAY_RATIO,
                GATEWAY_P99));
    for (String service : SERVICES) {
      goals.add(startTime(service));
      goals.add(idleMemory(service));
    }
    goals.addAll(
        List.of(
            REQUEST_BUDGET,
            WORKER_IN_FLIGHT,
            NOTIFIER_RATE,
            WORKER_TAKEOVER,
            NOTIFIER_TAKEOVER,
            PAYMENTS,
            FILES,
            EVENTS));
    return goals;
  }

  /** One row as the page has it. */
  public record Row(
      String goal,
      String command,
      String measured,
      String result,
      String figure,
      String target,
      String met) {

    String line() {
      return "| " + String.join(" | ", goal, command, measured, result, figure, target, met) + " |";
    }

    public static Optional<Row> parse(String line) {
      if (!line.startsWith("| ") || !line.endsWith(" |")) {
        return Optional.empty();
      }
      String[] cells = line.substring(2, line.length() - 2).split(" \\| ", -1);
      if (cells.length != 7) {
        return Optional.empty();
      }
      return Optional.of(
          new Row(cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]));
    }

    /** The figure's number, without its unit. */
    public double figureValue() {
      return Double.parseDouble(leadingNumber(figure));
    }

    Direction direction() {
      return Direction.of(target.substring(0, 1));
    }

    double targetValue() {
      return Double.parseDouble(leadingNumber(target.substring(1).strip()));
    }

    /** What "met" must say for this row's figure and target. */
    public String computedMet() {
      if (figure.equals(NO_FIGURE)) {
        return "no";
      }
      double value = figureValue();
      boolean met =
          direction() == Direction.AT_LEAST ? value >= targetValue() : value <= targetValue();
      return met ? "yes" : "no";
    }
  }

  /** The figure of a run that did not hold the goal's other conditions. */
  static final String NO_FIGURE = "—";

  public static final String HEADER =
      "| goal | command | measured | result | figure | goal's bound | met |";

  private BenchmarkTable() {}

  /**
   * Writes {@code goal}'s row of docs/benchmarks.md (in the repository {@code nanogen.repository}
   * names): {@code command} as run, today, {@code result} in words and {@code figure} in the goal's
   * unit, or null when the run did not hold what the goal asks besides its figure (a message lost,
   * a video submitted twice): then the figure reads "—" and the goal is not met. Met is computed.
   */
  public static void record(Goal goal, String command, String result, Double figure) {
    Path page =
        Path.of(System.getProperty("nanogen.repository", ".")).resolve("docs/benchmarks.md");
    Row row =
        new Row(
            goal.text(),
            "`" + command + "`",
            LocalDate.now().toString(),
            result,
            figure == null ? NO_FIGURE : number(figure) + goal.unit(),
            goal.targetCell(),
            figure != null && goal.metBy(figure) ? "yes" : "no");
    try {
      List<String> lines = new ArrayList<>(Files.readAllLines(page));
      boolean replaced = false;
      for (int i = 0; i < lines.size(); i++) {
        Optional<Row> existing = Row.parse(lines.get(i));
        if (existing.isPresent() && existing.get().goal().equals(goal.text())) {
          lines.set(i, row.line());
          replaced = true;
        }
      }
      if (!replaced) {
        throw new IllegalStateException(
            "docs/benchmarks.md has no row for the goal \"" + goal.text() + "\"");
      }
      Files.write(page, lines);
      System.out.printf(
          "docs/benchmarks.md: %s — %s (%s) met: %s%n",
          goal.text(), row.figure(), row.target(), row.met());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return String.format(Locale.ROOT, "%d", (long) value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static String leadingNumber(String cell) {
    StringBuilder digits = new StringBuilder();
    for (char c : cell.strip().toCharArray()) {
      if (Character.isDigit(c) || c == '.' || (c == '-' && digits.isEmpty())) {
        digits.append(c);
      } else if (c != ' ' || !digits.isEmpty()) {
        break;
      }
    }
    return digits.toString();
  }
}
