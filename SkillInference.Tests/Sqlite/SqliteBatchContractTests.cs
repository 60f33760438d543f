using SkillInference.Tests.Batch;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Sqlite;

/// <summary>The batch contract on the embedded default database (SQLite).</summary>
[TestClass]
public sealed class SqliteBatchContractTests : BatchContractTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
