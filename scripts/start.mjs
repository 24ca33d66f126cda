// `npm start`: starts the Parley server once @parley/server exists. Until then it says so.
console.error(
  'Parley: the server package is not built yet (issue #3). What exists today is @parley/core;\n' +
    'run `npm test` to exercise it, or `npm run bench:core` to measure it.',
);
process.exit(1);
