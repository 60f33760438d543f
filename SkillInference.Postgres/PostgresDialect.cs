using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using SkillInference.Batch;
using SkillInference.Batch.Relational;

namespace SkillInference.Postgres;

/// <summary>
/// PostgreSQL's side of the relational run store: <c>uuid</c> and <c>timestamptz</c> columns, <c>jsonb</c> read as
/// text, row locks (<c>FOR NO KEY UPDATE</c>) and a transaction advisory lock for run starts, id lists as arrays, and
/// assessments written by binary COPY into a staging table and one <c>INSERT ... ON CONFLICT DO NOTHING</c>.
/// </summary>
internal sealed class PostgresDialect : RelationalDialect
{
    /// <summary>Serializes run starts across hosts (the migrations' key + 1).</summary>
    private const long RunStartLockKey = PostgresMigrator.LockKey + 1;

    private PostgresDialect()
    {
    }

    public static PostgresDialect Instance { get; } = new();

    /// <summary>PostgreSQL binds at most 65,535 parameters per statement.</summary>
    public override int MaxParameters => 60_000;

    public override string LockRowsSuffix => " FOR NO KEY UPDATE";

    public override object Timestamp(DateTimeOffset value) => Stored(value).UtcDateTime;

    public override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetFieldValue<DateTime>(ordinal), DateTimeKind.Utc), TimeSpan.Zero);

    public override object Id(Guid value) => value;

    public override Guid ReadId(DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

    public override string JsonText(string column) => column + "::text";

    public override string JsonValue(string parameter) => $"CAST({parameter} AS jsonb)";

    public override string StudentIdIn(DbCommand command, string column, IReadOnlyCollection<string> studentIds)
    {
        command.With("ids", studentIds.ToArray());
        return $"{column} = ANY(@ids)";
    }

    public override async Task LockRunStartsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(transaction, "SELECT pg_advisory_xact_lock(@key)").With("key", RunStartLockKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task<int> InsertAssessmentsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<SkillAssessment> assessments, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        await using (var create = connection.Command(transaction, "CREATE TEMP TABLE staging_assessments (LIKE skill_assessments) ON COMMIT DROP"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var import = await npgsql.BeginBinaryImportAsync(
            "COPY staging_assessments (student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            foreach (var a in assessments)
            {
                await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.StudentId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Skill, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Score, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Confidence, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.ModelVersion, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Variant, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.FeatureHash, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.RunId, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(Stored(a.AssessedAt).UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        // One upsert; the order keeps concurrent writers of the same rows (a re-delivery) from deadlocking.
        await using var upsert = connection.Command(
            transaction,
            """
            INSERT INTO skill_assessments (student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at)
            SELECT student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at FROM staging_assessments
            ORDER BY student_id, skill, model_version, feature_hash
            ON CONFLICT ON CONSTRAINT skill_assessments_key DO NOTHING
            """);
        return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override bool IsDatabaseFailure(Exception exception) => PostgresErrors.IsDatabaseFailure(exception);

    public override BatchStoreException Fail(ILogger logger, Exception exception, string operation)
    {
        var translated = PostgresErrors.Translate(exception, operation);
        var kind = translated.Kind.ToString();
        var sqlState = (exception as PostgresException)?.SqlState ?? "none";
        Log.DatabaseFailed(logger, exception, operation, kind, sqlState);
        return translated;
    }
}
