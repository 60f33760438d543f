using Npgsql;

namespace SkillInference.Postgres;

/// <summary>The adapter's own data source, so that it never collides with an <see cref="NpgsqlDataSource"/> the application registers.</summary>
internal sealed class PostgresBatchDataSource(NpgsqlDataSource dataSource) : IAsyncDisposable, IDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
