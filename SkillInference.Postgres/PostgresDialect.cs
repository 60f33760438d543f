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

    /// <summary>
    /// Rows carry the id of the transaction that last wrote them (migration 0002's trigger). The oldest transaction
    /// still running when the watermark is taken bounds every write not visible yet, committed later or not started.
    /// </summary>
    public override string ChangeWatermarkSql => "SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint";

    public override async Task LockRunStartsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(transaction, "SELECT pg_advisory_xact_lock(@key)").With("key", RunStartLockKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Binary COPY of the rows into a temporary staging table, then one upsert. The staging row carries only what
    /// differs from row to row (student, score, confidence, feature hash) and the index of its "kind": the shard's few
    /// distinct (skill, version, variant, run, time) combinations, passed once as arrays and joined back. That halves
    /// what the client encodes and the server parses, compared with copying every column of every row.
    /// </summary>
    public override async Task<int> InsertAssessmentsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<SkillAssessment> assessments, CancellationToken cancellationToken)
    {
        await using (var create = connection.Command(
            transaction,
            """
            CREATE TEMP TABLE staging_assessments (student_id text COLLATE "C", kind integer, score double precision, confidence double precision, feature_hash text)
            ON COMMIT DROP
            """))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var kinds = new Dictionary<(string Skill, string Version, string Variant, Guid Run, DateTime At), int>();
        await using (var import = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(
            "COPY staging_assessments (student_id, kind, score, confidence, feature_hash) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            foreach (var a in assessments)
            {
                var key = (a.Skill, a.ModelVersion, a.Variant, a.RunId, Stored(a.AssessedAt).UtcDateTime);
                if (!kinds.TryGetValue(key, out var kind))
                {
                    kinds[key] = kind = kinds.Count + 1;
                }

                await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.StudentId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(kind, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Score, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Confidence, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.FeatureHash, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        // One upsert; the order keeps concurrent writers of the same rows (a re-delivery) from deadlocking.
        var list = kinds.OrderBy(k => k.Value).Select(k => k.Key).ToArray();
        await using var upsert = connection.Command(
            transaction,
            """
            INSERT INTO skill_assessments (student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at)
            SELECT s.student_id, k.skill, s.score, s.confidence, k.model_version, k.variant, s.feature_hash, k.run_id, k.assessed_at
            FROM staging_assessments s
            JOIN unnest(@skills, @versions, @variants, @runs, @assessed_at) WITH ORDINALITY AS k (skill, model_version, variant, run_id, assessed_at, kind) ON k.kind = s.kind
            ORDER BY s.student_id, k.skill, k.model_version, s.feature_hash
            ON CONFLICT ON CONSTRAINT skill_assessments_key DO NOTHING
            """);
        upsert.Parameters.Add(new NpgsqlParameter("skills", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = list.Select(k => k.Skill).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("versions", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = list.Select(k => k.Version).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("variants", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = list.Select(k => k.Variant).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("runs", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = list.Select(k => k.Run).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("assessed_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = list.Select(k => k.At).ToArray() });
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
