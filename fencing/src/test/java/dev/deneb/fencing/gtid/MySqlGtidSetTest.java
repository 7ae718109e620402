package dev.deneb.fencing.gtid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MySqlGtidSetTest {

  private static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  private static final String B = "8a94f357-aab4-11df-86ab-c80aa9429562";

  @Test
  void adjacentIntervalsMerge() {
    assertThat(MySqlGtidSet.parse(A + ":1-3:4-5")).isEqualTo(MySqlGtidSet.parse(A + ":1-5"));
    assertThat(MySqlGtidSet.parse(A + ":1-3:4-5").format()).isEqualTo(A + ":1-5");
  }

  @Test
  void overlappingUnsortedAndRepeatedSourcesNormalise() {
    assertThat(MySqlGtidSet.parse(A + ":7-9:1-5:3-6," + A + ":20").format()).isEqualTo(A + ":1-9:20");
  }

  @Test
  void singleTransactionsPrintWithoutARange() {
    MySqlGtidSet set = MySqlGtidSet.parse(A + ":7");
    assertThat(set.format()).isEqualTo(A + ":7");
    assertThat(set.intervals().get(Tsid.of(A))).containsExactly(GtidInterval.of(7));
    assertThat(set.transactionCount()).isEqualTo(1);
  }

  @Test
  void emptyAndBlankAreTheEmptySet() {
    assertThat(MySqlGtidSet.parse("")).isSameAs(MySqlGtidSet.EMPTY);
    assertThat(MySqlGtidSet.parse(" \n ")).isSameAs(MySqlGtidSet.EMPTY);
    assertThat(MySqlGtidSet.EMPTY.isEmpty()).isTrue();
    assertThat(MySqlGtidSet.EMPTY.format()).isEmpty();
    assertThat(MySqlGtidSet.EMPTY.describe()).isEqualTo("nothing");
  }

  @Test
  void whitespaceAndNewlinesAsPrintedBySHOWREPLICASTATUS() {
    MySqlGtidSet set = MySqlGtidSet.parse(B + ":1-3,\n" + A.toUpperCase() + ":1-5:11-18 ");
    assertThat(set.format()).isEqualTo(A + ":1-5:11-18," + B + ":1-3");
  }

  @Test
  void taggedGtidsOfMySql84() {
    String text = A + ":1-3:abc:1:foo:1-3:5-7";
    MySqlGtidSet set = MySqlGtidSet.parse(text);
    assertThat(set.format()).isEqualTo(text);
    assertThat(set.intervals()).containsOnlyKeys(Tsid.of(A), new Tsid(A, "abc"), new Tsid(A, "foo"));
    assertThat(MySqlGtidSet.parse(A + ":ABC:1").format()).as("tags are case-insensitive").isEqualTo(A + ":abc:1");
    assertThat(MySqlGtidSet.parse(A + ":abc:1," + A + ":2").format()).isEqualTo(A + ":2:abc:1");
    assertThat(set.contains(MySqlGtidSet.parse(A + ":foo:6"))).isTrue();
    assertThat(set.contains(MySqlGtidSet.parse(A + ":6"))).as("tags are separate sources").isFalse();
  }

  @Test
  void differenceIsExact() {
    MySqlGtidSet all = MySqlGtidSet.parse(A + ":1-10," + B + ":1-3");
    MySqlGtidSet some = MySqlGtidSet.parse(A + ":3-4:7," + B + ":1-3");
    assertThat(all.difference(some).format()).isEqualTo(A + ":1-2:5-6:8-10");
    assertThat(all.missingFrom(some).describe()).isEqualTo("7 transactions: " + A + ":1-2:5-6:8-10");
    assertThat(some.difference(all)).isEqualTo(MySqlGtidSet.EMPTY);
  }

  @Test
  void unionAndIntersection() {
    MySqlGtidSet x = MySqlGtidSet.parse(A + ":1-5");
    MySqlGtidSet y = MySqlGtidSet.parse(A + ":6-8," + B + ":1");
    assertThat(x.union(y).format()).isEqualTo(A + ":1-8," + B + ":1");
    assertThat(x.intersection(y).isEmpty()).isTrue();
    assertThat(x.union(y).intersection(y)).isEqualTo(y);
  }

  @Test
  void containsIsSetInclusion() {
    MySqlGtidSet primary = MySqlGtidSet.parse(A + ":1-100");
    assertThat(primary.contains(MySqlGtidSet.parse(A + ":1-99"))).isTrue();
    assertThat(primary.contains(MySqlGtidSet.parse(A + ":1-100," + B + ":1"))).isFalse();
    assertThat(primary.contains(MySqlGtidSet.EMPTY)).isTrue();
    assertThat(MySqlGtidSet.EMPTY.contains(primary)).isFalse();
  }

  @Test
  void largestTransactionNumbersDoNotOverflow() {
    long max = GtidInterval.MAX_GNO;
    MySqlGtidSet set = MySqlGtidSet.parse(A + ":1-" + max);
    assertThat(set.difference(MySqlGtidSet.parse(A + ":" + max)).format()).isEqualTo(A + ":1-" + (max - 1));
    assertThat(set.transactionCount()).isEqualTo(max);
    assertThat(MySqlGtidSet.parse(A + ":1-" + max + "," + B + ":1-" + max).transactionCount())
        .isEqualTo(Long.MAX_VALUE);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-3 | '5-3'",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:0 | '0'",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-x | '1-x'",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2-3 | '1-2-3'",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:9223372036854775807 | '9223372036854775807'",
        "nonsense:1-5 | 'nonsense'",
        "3e11fa47-71ca-11e1-9e33:1 | '3e11fa47-71ca-11e1-9e33'",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562 | a source UUID needs at least one interval",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1,,8a94f357-aab4-11df-86ab-c80aa9429562:1 | empty source",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562::1 | empty token",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1:abc | tag 'abc' has no interval",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:abc:def:1 | 'abc'",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:-5 | '-5'",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:t@g:1 | 't@g'",
      })
  void malformedInputNamesTheBadToken(String text, String expectedInMessage) {
    assertThatThrownBy(() -> MySqlGtidSet.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expectedInMessage);
  }

  @Test
  void comparingFlavoursIsACallerError() {
    assertThatThrownBy(() -> MySqlGtidSet.parse(A + ":1").contains(MariaDbGtidPosition.parse("0-1-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MARIADB");
  }

  @Test
  void buildersNormaliseToo() {
    MySqlGtidSet built = MySqlGtidSet.of(java.util.Map.of(Tsid.of(A),
        List.of(new GtidInterval(4, 5), new GtidInterval(1, 3))));
    assertThat(built).isEqualTo(MySqlGtidSet.of(A, 1, 5)).hasSameHashCodeAs(MySqlGtidSet.of(A, 1, 5));
  }
}
