using System.Net.Sockets;
using Npgsql;
using SkillInference.Batch;
using SkillInference.Postgres;

namespace SkillInference.Tests.Postgres;

/// <summary>Transient vs permanent, decided in one place from Npgsql's own <see cref="NpgsqlException.IsTransient"/>.</summary>
[TestClass]
public sealed class PostgresErrorsTests
{
    [TestMethod]
    [DataRow("40001", BatchStoreErrorKind.Transient)] // serialization failure
    [DataRow("40P01", BatchStoreErrorKind.Transient)] // deadlock
    [DataRow("53300", BatchStoreErrorKind.Transient)] // too many connections
    [DataRow("57P01", BatchStoreErrorKind.Transient)] // admin shutdown
    [DataRow("23505", BatchStoreErrorKind.Permanent)] // unique violation
    [DataRow("42P01", BatchStoreErrorKind.Permanent)] // undefined table
    public void Classify_PostgresError_FollowsIsTransient(string sqlState, object expected) =>
        Assert.AreEqual((BatchStoreErrorKind)expected, PostgresErrors.Classify(new PostgresException("m", "ERROR", "ERROR", sqlState)));

    [TestMethod]
    public void Classify_ConnectionRefused_IsTransient() =>
        Assert.AreEqual(BatchStoreErrorKind.Transient, PostgresErrors.Classify(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));

    [TestMethod]
    public void Translate_UndefinedTable_TellsToMigrate()
    {
        var translated = PostgresErrors.Translate(new PostgresException("relation \"student_features\" does not exist", "ERROR", "ERROR", "42P01"), "reading a shard");

        Assert.IsFalse(translated.IsTransient);
        StringAssert.Contains(translated.Message, "skillinf db migrate");
    }
}
