namespace MambaNano
{
    /// <summary>
    /// Builds one ASCII line in a fixed buffer without allocating: the serial output of the
    /// steady-state loop. Text that does not fit is cut (the line still ends with '\n').
    /// </summary>
    public sealed class LineWriter
    {
        public const int Capacity = 192;

        private readonly byte[] _buffer = new byte[Capacity];
        private readonly byte[] _digits = new byte[20];
        private int _length;

        /// <summary>The bytes of the line so far (valid up to <see cref="Length"/>).</summary>
        public byte[] Buffer => _buffer;

        public int Length => _length;

        public void Clear()
        {
            _length = 0;
        }

        public void Append(char c)
        {
            if (_length < Capacity - 1)
            {
                _buffer[_length++] = c < 128 ? (byte)c : (byte)'?';
            }
        }

        public void Append(string text)
        {
            if (text == null)
            {
                return;
            }
            for (int i = 0; i < text.Length; i++)
            {
                Append(text[i]);
            }
        }

        public void Append(long value)
        {
            if (value < 0)
            {
                Append('-');
                if (value == long.MinValue)
                {
                    Append("9223372036854775808");
                    return;
                }
                value = -value;
            }
            int n = 0;
            do
            {
                _digits[n++] = (byte)('0' + (int)(value % 10));
                value /= 10;
            }
            while (value > 0);
            while (n > 0)
            {
                Append((char)_digits[--n]);
            }
        }

        /// <summary>value / 1000 with three decimals: 934 -> "0.934", -5 -> "-0.005".</summary>
        public void AppendMilli(int value)
        {
            if (value < 0)
            {
                Append('-');
                value = -value;
            }
            Append(value / 1000);
            Append('.');
            int frac = value % 1000;
            Append((char)('0' + frac / 100));
            Append((char)('0' + frac / 10 % 10));
            Append((char)('0' + frac % 10));
        }

        /// <summary>Eight upper-case hex digits.</summary>
        public void AppendHex(uint value)
        {
            for (int shift = 28; shift >= 0; shift -= 4)
            {
                int d = (int)((value >> shift) & 0xF);
                Append((char)(d < 10 ? '0' + d : 'A' + d - 10));
            }
        }

        /// <summary>End the line with '\n' (always room for it).</summary>
        public void EndLine()
        {
            _buffer[_length++] = (byte)'\n';
        }
    }
}
