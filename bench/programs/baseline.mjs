// Node itself: start, print, exit. Subtract it from the cold starts to see what each client adds.
console.log("done")
process.exit(0)
