// Mantine's PostCSS preset (breakpoint and rem helpers used by its styles).
module.exports = { plugins: { "postcss-preset-mantine": {} } };
