package dev.deneb.fencing.gtid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MariaDbGtidPositionTest {

  @Test
  void domainsAreSortedAsMariaDbPrintsItsVariables() {
    // Gtid_IO_Pos as recorded from MariaDB 11.4: "1-1-1,0-1-7"; @@gtid_slave_pos: "0-1-7,1-1-1".
    MariaDbGtidPosition io = MariaDbGtidPosition.parse("1-1-1,0-1-7");
    assertThat(io.format()).isEqualTo("0-1-7,1-1-1");
    assertThat(io).isEqualTo(MariaDbGtidPosition.parse("0-1-7, 1-1-1\n"));
    assertThat(io.inDomain(1)).contains(new MariaDbGtid(1, 1, 1));
  }

  @Test
  void emptyIsEmpty() {
    assertThat(MariaDbGtidPosition.parse("")).isSameAs(MariaDbGtidPosition.EMPTY);
    assertThat(MariaDbGtidPosition.EMPTY.contains(MariaDbGtidPosition.EMPTY)).isTrue();
    assertThat(MariaDbGtidPosition.parse("0-1-1").contains(MariaDbGtidPosition.EMPTY)).isTrue();
    assertThat(MariaDbGtidPosition.EMPTY.contains(MariaDbGtidPosition.parse("0-1-1"))).isFalse();
  }

  @Test
  void aHigherSeqContainsEvenFromAnotherServer() {
    // After a failover from server 1 to server 2, domain 0 goes on at 0-2-101.
    assertThat(MariaDbGtidPosition.parse("0-2-101").contains(MariaDbGtidPosition.parse("0-1-100"))).isTrue();
    assertThat(MariaDbGtidPosition.parse("0-1-100").contains(MariaDbGtidPosition.parse("0-2-101"))).isFalse();
  }

  @Test
  void theSameSeqFromTwoServersIsDivergence() {
    MariaDbGtidPosition a = MariaDbGtidPosition.parse("0-1-105");
    MariaDbGtidPosition b = MariaDbGtidPosition.parse("0-2-105");
    assertThat(a.contains(b)).isFalse();
    assertThat(b.contains(a)).isFalse();
    MariaDbGap gap = a.missingFrom(b);
    assertThat(gap.domains()).singleElement().satisfies(d -> {
      assertThat(d.diverged()).isTrue();
      assertThat(d.seqAhead()).isZero();
    });
    assertThat(gap.describe()).isEqualTo("domain 0: at 0-1-105, other side at 0-2-105 (same seq from another server: diverged)");
  }

  @Test
  void missingFromReportsPerDomainHowFarAhead() {
    MariaDbGtidPosition oldPrimary = MariaDbGtidPosition.parse("0-1-105,1-1-3,2-1-9");
    MariaDbGtidPosition candidate = MariaDbGtidPosition.parse("0-1-100,2-1-12");

    MariaDbGap gap = oldPrimary.missingFrom(candidate);

    assertThat(gap.domains()).extracting(MariaDbGap.DomainGap::domain).containsExactly(0L, 1L);
    assertThat(gap.domains()).extracting(MariaDbGap.DomainGap::seqAhead).containsExactly(5L, 3L);
    assertThat(gap.describe()).isEqualTo(
        "domain 0: at 0-1-105, other side at 0-1-100 (5 seq ahead); "
            + "domain 1: at 1-1-3, other side has nothing in this domain (3 seq ahead)");
    assertThat(candidate.contains(oldPrimary)).isFalse();
    assertThat(candidate.missingFrom(oldPrimary).describe())
        .isEqualTo("domain 2: at 2-1-12, other side at 2-1-9 (3 seq ahead)");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "0-1 | '0-1'",
        "0-1-2-3 | '0-1-2-3'",
        "a-1-2 | 'a-1-2'",
        "0-1-x | 'x'",
        "0--1-5 | '0--1-5'",
        "0-1-5,,1-1-2 | empty GTID between commas",
        "0-1-5,0-2-7 | domain 0 appears twice",
        "4294967296-1-1 | domain",
        "0-1-99999999999999999999 | '0-1-99999999999999999999'",
      })
  void malformedInputNamesTheBadToken(String text, String expectedInMessage) {
    assertThatThrownBy(() -> MariaDbGtidPosition.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expectedInMessage);
  }

  @Test
  void comparingFlavoursIsACallerError() {
    assertThatThrownBy(() -> MariaDbGtidPosition.parse("0-1-1")
            .missingFrom(MySqlGtidSet.parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MYSQL");
  }

  @Test
  void parseThroughTheSealedInterface() {
    GtidState s = GtidState.parse(GtidFlavor.MARIADB, "0-1-7");
    assertThat(s).isInstanceOf(MariaDbGtidPosition.class);
    assertThat(GtidState.empty(GtidFlavor.MYSQL)).isSameAs(MySqlGtidSet.EMPTY);
    assertThat(s.flavor()).isEqualTo(GtidFlavor.MARIADB);
    assertThat(s.format()).isEqualTo("0-1-7");
  }
}
