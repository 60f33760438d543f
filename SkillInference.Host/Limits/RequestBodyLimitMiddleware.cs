using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace SkillInference.Host.Limits;

/// <summary>
/// Enforces the endpoint's body-size limit (<see cref="IRequestSizeLimitMetadata"/>, or
/// <see cref="LimitsOptions.MaxOtherBodyBytes"/>) on every server: a declared Content-Length over it is a 413 before
/// the body is read, and a body that grows past it while being read (chunked) fails the read with a 413. Kestrel also
/// gets the limit, so it stops reading at the socket. Bodies are UTF-8: a <c>charset</c> parameter other than UTF-8
/// (quoted or not) is a 415 before the body is read, and a quoted <c>"utf-8"</c> is normalized so every reader accepts it.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<LimitsOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? options.Value.MaxOtherBodyBytes;
        var serverEnforces = false;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
            serverEnforces = true;
        }

        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        if (context.Request.ContentType is { } contentType
            && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && mediaType.Charset.HasValue)
        {
            var charset = mediaType.Charset.Value.Trim('"', ' ');
            if (!charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                throw new BadHttpRequestException("The request body must be UTF-8.", StatusCodes.Status415UnsupportedMediaType);
            }

            mediaType.Charset = "utf-8";
            context.Request.ContentType = mediaType.ToString();
        }

        // Kestrel fails a read past the limit itself (the same 413), on its own body reader: the endpoints that read the
        // body as a pipe then take it without a stream and a second buffer in between (about 170 reads of 4 KB each for a
        // /infer/batch body of 700 KB). A server without the feature (the test server) reads through a counting stream.
        if (!serverEnforces)
        {
            context.Request.Body = new LimitedStream(context.Request.Body, limit);
        }

        return next(context);
    }

    private static BadHttpRequestException TooLarge(long limit) =>
        new($"The request body exceeds this endpoint's limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge);

    /// <summary>A read-only view of the body that fails once more than the limit has been read.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            return _read > limit ? throw TooLarge(limit) : read;
        }
    }
}
