package dev.nanogen.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/benchmarks.md's goals cannot claim what their figures miss: every row's "met" is what its
 * figure and bound give, every bound is its goal's, and the table has exactly the goals {@link
 * BenchmarkTable} knows (the ones its benchmarks write).
 */
class BenchmarksDocIT {
  private static final Path PAGE = DeploymentFilesIT.ROOT.resolve("docs/benchmarks.md");

  private static List<String> goalLines() throws IOException {
    String page = Files.readString(PAGE);
    int start = page.indexOf("## Goals");
    int end = page.indexOf("\n## ", start + 1);
    return page.substring(start, end).lines().filter(line -> line.startsWith("| ")).toList();
  }

  @Test
  void every_met_cell_follows_from_its_figure_and_bound() throws IOException {
    List<String> lines = goalLines();
    assertThat(lines.getFirst()).isEqualTo(BenchmarkTable.HEADER);
    for (String line : lines.subList(1, lines.size())) {
      BenchmarkTable.Row row = BenchmarkTable.Row.parse(line).orElseThrow();
      assertThat(row.met()).as(row.goal()).isEqualTo(row.computedMet());
    }
  }

  @Test
  void the_table_has_each_goal_once_with_its_bound() throws IOException {
    List<BenchmarkTable.Row> rows =
        goalLines().stream()
            .skip(1)
            .map(line -> BenchmarkTable.Row.parse(line).orElseThrow())
            .toList();
    assertThat(rows.stream().map(BenchmarkTable.Row::goal).toList())
        .containsExactlyElementsOf(
            BenchmarkTable.goals().stream().map(BenchmarkTable.Goal::text).toList());
    for (BenchmarkTable.Goal goal : BenchmarkTable.goals()) {
      BenchmarkTable.Row row =
          rows.stream().filter(r -> r.goal().equals(goal.text())).findFirst().orElseThrow();
      assertThat(row.target()).as(goal.text()).isEqualTo(goal.targetCell());
    }
  }

  @Test
  void a_row_claiming_a_missed_goal_is_caught() {
    BenchmarkTable.Row claimed =
        BenchmarkTable.Row.parse(
                "| Gateway: p99 | `x` | 2026-12-07 | slow | 61.50 ms | ≤ 50 ms | yes |")
            .orElseThrow();
    assertThat(claimed.computedMet()).isEqualTo("no");
    assertThat(
            BenchmarkTable.Row.parse("| ratio | `x` | 2026-12-07 | r | 0.71 | ≥ 0.70 | yes |")
                .orElseThrow()
                .computedMet())
        .isEqualTo("yes");
  }
}
