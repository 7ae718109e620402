package dev.deneb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {

  @Test
  void alignsColumnsTwoSpacesApartWithoutTrailingSpaces() {
    String text = Table.withHeaders("NAME", "EPOCH", "PRIMARY")
        .row("orders", 12, "db1")
        .row("a", 1, null)
        .render();

    assertThat(text).isEqualTo("""
        NAME    EPOCH  PRIMARY
        orders  12     db1
        a       1      -
        """);
  }

  @Test
  void blankCellsPrintAsADashSoColumnsStayReadable() {
    String text = Table.withHeaders("A", "B", "C").row("", " ", "x").render();

    assertThat(text).isEqualTo("""
        A  B  C
        -  -  x
        """);
  }

  @Test
  void aShortLastCellLeavesNoTrailingSpace() {
    String text = Table.withHeaders("NAME", "NOTE").row("x", null).row("longer", "").render();

    assertThat(text.lines()).allSatisfy(line -> assertThat(line).doesNotEndWith(" "));
  }

  @Test
  void withoutHeadersItIsAKeyValueBlock() {
    String text = Table.withoutHeaders(2).row("cluster", "orders").row("epoch", 1).render();

    assertThat(text).isEqualTo("""
        cluster  orders
        epoch    1
        """);
  }

  @Test
  void aRowOfTheWrongWidthIsAProgrammingError() {
    assertThatThrownBy(() -> Table.withHeaders("A", "B").row("only one"))
        .hasMessage("row has 1 cells, the table 2 columns: [only one]");
  }

  @Test
  void anEmptyTableWithoutHeadersRendersNothing() {
    assertThat(Table.withoutHeaders(3).render()).isEmpty();
    assertThat(Table.withHeaders("A").isEmpty()).isTrue();
  }
}
