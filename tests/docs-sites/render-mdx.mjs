// Compiles a report.md the way Docusaurus 3 does (MDX 3 with GFM and YAML front matter), runs
// it, and writes the HTML React renders. Any message from the compiler is a failure: the
// report must compile with zero warnings.
//
//   node render-mdx.mjs report.md out.html
import {readFile, writeFile} from 'node:fs/promises'
import {evaluate} from '@mdx-js/mdx'
import remarkGfm from 'remark-gfm'
import remarkFrontmatter from 'remark-frontmatter'
import {VFile} from 'vfile'
import * as runtime from 'react/jsx-runtime'
import {renderToStaticMarkup} from 'react-dom/server'
import {createElement} from 'react'

const [input, output] = process.argv.slice(2)
const file = new VFile({path: input, value: await readFile(input, 'utf8')})
const {default: Content} = await evaluate(file, {
  ...runtime,
  remarkPlugins: [remarkGfm, remarkFrontmatter],
})
if (file.messages.length > 0) {
  for (const m of file.messages) console.error(String(m))
  process.exit(1)
}
await writeFile(output, renderToStaticMarkup(createElement(Content)))
