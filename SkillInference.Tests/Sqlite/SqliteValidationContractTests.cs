using SkillInference.Tests.Infrastructure;
using SkillInference.Tests.Monitoring;

namespace SkillInference.Tests.Sqlite;

/// <summary>The validation contract on the embedded default database (SQLite).</summary>
[TestClass]
public sealed class SqliteValidationContractTests : ValidationContractTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
