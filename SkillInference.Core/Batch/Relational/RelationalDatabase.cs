using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace SkillInference.Batch.Relational;

/// <summary>A database the batch worker uses: where its connections come from, and its dialect.</summary>
/// <param name="dataSource">Opens pooled connections.</param>
/// <param name="dialect">What the database spells or does differently.</param>
internal sealed class RelationalDatabase(DbDataSource dataSource, RelationalDialect dialect)
{
    /// <summary>What the database spells or does differently.</summary>
    public RelationalDialect Dialect { get; } = dialect;

    /// <summary>
    /// Runs <paramref name="body"/> on an open connection. A failure of the database becomes a
    /// <see cref="BatchStoreException"/>, classified and logged by the dialect.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(ILogger logger, string operation, Func<DbConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await body(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (Dialect.IsDatabaseFailure(ex))
        {
            throw Dialect.Fail(logger, ex, operation);
        }
    }
}
