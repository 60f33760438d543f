using Microsoft.Data.Sqlite;
using SkillInference.Batch;
using SkillInference.Sqlite;

namespace SkillInference.Tests.Sqlite;

[TestClass]
public sealed class SqliteErrorsTests
{
    [TestMethod]
    [DataRow(5, BatchStoreErrorKind.Transient)] // SQLITE_BUSY
    [DataRow(6, BatchStoreErrorKind.Transient)] // SQLITE_LOCKED
    [DataRow(10, BatchStoreErrorKind.Transient)] // SQLITE_IOERR
    [DataRow(19, BatchStoreErrorKind.Permanent)] // SQLITE_CONSTRAINT
    [DataRow(1, BatchStoreErrorKind.Permanent)] // SQLITE_ERROR (e.g. no such table)
    public void Classify_SqliteError_ByCode(int code, object expected) =>
        Assert.AreEqual((BatchStoreErrorKind)expected, SqliteErrors.Classify(new SqliteException("m", code)));

    [TestMethod]
    public void Translate_NoSuchTable_TellsToMigrate() =>
        StringAssert.Contains(SqliteErrors.Translate(new SqliteException("SQLite Error 1: 'no such table: student_features'.", 1), "reading").Message, "skillinf db migrate");
}
